//! duban's protobuf contracts as Rust types, gRPC clients and servers, plus the
//! encoded file descriptor set that server reflection serves.

#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]

pub mod encoded;

pub use encoded::Encoded;

/// The encoded `FileDescriptorSet` of every duban `.proto` file (with imports).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/duban_descriptor.bin"));

/// Package `duban.types.v1`: the value types every contract shares.
pub mod types {
    /// Version 1 of the shared types.
    pub mod v1 {
        tonic::include_proto!("duban.types.v1");
    }
}

/// Package `duban.registry.v1`.
pub mod registry {
    /// Version 1 of the registry contract.
    pub mod v1 {
        tonic::include_proto!("duban.registry.v1");

        pub use crate::types::v1::CivilDate;

        /// The RegistryService server the registry runs: as the generated
        /// `registry_service_server`, with every unary method answering
        /// [`crate::Encoded`] (see `build.rs`).
        pub mod answering {
            include!(concat!(
                env!("OUT_DIR"),
                "/duban.registry.v1.RegistryService.rs"
            ));
        }
    }
}

/// Package `duban.reporting.v1`.
pub mod reporting {
    /// Version 1 of the reporting contract.
    pub mod v1 {
        tonic::include_proto!("duban.reporting.v1");

        pub use crate::types::v1::CivilDate;

        /// The ReportingService server the reporting service runs, answering
        /// [`crate::Encoded`] as [`crate::registry::v1::answering`] does.
        pub mod answering {
            include!(concat!(
                env!("OUT_DIR"),
                "/duban.reporting.v1.ReportingService.rs"
            ));
        }
    }
}

/// Package `duban.audit.v1`: the audit trail every duban service keeps.
pub mod audit {
    /// Version 1 of the audit contract.
    pub mod v1 {
        tonic::include_proto!("duban.audit.v1");
    }
}

/// Package `duban.events.v1`: the event envelope alone, so that a consumer depends
/// on nothing else.
pub mod events {
    /// Version 1 of the event contract.
    pub mod v1 {
        tonic::include_proto!("duban.events.v1");
    }
}
