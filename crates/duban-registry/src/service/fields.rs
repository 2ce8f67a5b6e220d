//! The updatable fields of each resource, each named by its update-mask path. An
//! update applies exactly the fields its mask names, matched without a catch-all,
//! so a new field forces a decision.

/// A resource's updatable fields.
pub trait UpdateField: Copy + Eq + 'static {
    /// Every updatable field, in the order they are applied.
    const ALL: &'static [Self];
    /// The field's path in an update mask.
    fn path(self) -> &'static str;
}

/// Declares the enum of a resource's updatable fields and their mask paths.
macro_rules! update_fields {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $path:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant,)* }

        impl $crate::service::fields::UpdateField for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)*];

            fn path(self) -> &'static str {
                match self { $(Self::$variant => $path,)* }
            }
        }
    };
}
pub(crate) use update_fields;
