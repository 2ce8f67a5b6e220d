//! What every command shares: the global flags, the clients they open, and
//! printing a result as text or JSON.

use clap::{Args, ValueEnum};
use serde_json::Value as Json;

use crate::{
    commands::{Registry, Reporting, registry_client, reporting_client},
    json::{Proto, to_json},
};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for people: names and task numbers, tab-separated in lists.
    Text,
    /// JSON for programs.
    Json,
}

/// The flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// `text` for people, or `json`: the protobuf messages in the protobuf JSON
    /// mapping (a list is one array, `events watch` one object per line), and
    /// an error one JSON object on stderr.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// The registry's address [default: http://127.0.0.1:50051].
    #[arg(
        long = "registry-url",
        visible_alias = "registry",
        global = true,
        env = "DUBAN_REGISTRY_URL"
    )]
    pub registry_url: Option<String>,
    /// The reporting service's address [default: http://127.0.0.1:50052].
    #[arg(
        long = "reporting-url",
        visible_alias = "reporting",
        global = true,
        env = "DUBAN_REPORTING_URL"
    )]
    pub reporting_url: Option<String>,
}

/// A command's context.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub global: Global,
}

impl Ctx {
    pub fn json(&self) -> bool {
        self.global.output == OutputFormat::Json
    }

    /// The registry's address if the flag or environment gives one; an empty
    /// variable (a compose file's `DUBAN_REGISTRY_URL: ""`) gives none.
    pub fn given_registry_url(&self) -> Option<&str> {
        self.global
            .registry_url
            .as_deref()
            .filter(|u| !u.is_empty())
    }

    /// The reporting service's address if the flag or environment gives one.
    pub fn given_reporting_url(&self) -> Option<&str> {
        self.global
            .reporting_url
            .as_deref()
            .filter(|u| !u.is_empty())
    }

    pub fn registry_url(&self) -> &str {
        self.given_registry_url()
            .unwrap_or(crate::DEFAULT_REGISTRY_URL)
    }

    pub fn reporting_url(&self) -> &str {
        self.given_reporting_url()
            .unwrap_or(crate::DEFAULT_REPORTING_URL)
    }

    pub async fn registry(&self) -> anyhow::Result<Registry> {
        registry_client(self.registry_url()).await
    }

    pub async fn reporting(&self) -> anyhow::Result<Reporting> {
        reporting_client(self.reporting_url()).await
    }

    /// Prints one message: as JSON, or as `text` renders it.
    pub fn print<M: Proto>(
        &self,
        message: &M,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json() {
            self.print_json(&to_json(message)?);
        } else {
            print_text(&text());
        }
        Ok(())
    }

    /// Prints a list: one JSON array, or the lines `text` renders.
    pub fn print_list<M: Proto>(
        &self,
        items: &[M],
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json() {
            let array = items
                .iter()
                .map(to_json)
                .collect::<anyhow::Result<Vec<_>>>()?;
            self.print_json(&Json::Array(array));
        } else {
            print_text(&text());
        }
        Ok(())
    }

    /// Prints a value built here (not a protobuf message), or its text.
    pub fn print_value(&self, value: Json, text: impl FnOnce() -> String) {
        if self.json() {
            self.print_json(&value);
        } else {
            print_text(&text());
        }
    }

    fn print_json(&self, value: &Json) {
        out(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
    }
}

fn print_text(text: &str) {
    if !text.is_empty() {
        out(text);
    }
}

/// Writes `text` and a line end (unless it has one) to stdout; false once
/// stdout is gone (`duban … | head`), which is no error of the command's.
pub fn out(text: &str) -> bool {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let end = if text.ends_with('\n') { "" } else { "\n" };
    write!(stdout, "{text}{end}")
        .and_then(|()| stdout.flush())
        .is_ok()
}
