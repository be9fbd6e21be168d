//! Stage 6, `validate`: check documents against the published JSON Schema
//! (`schemas/notice.schema.json`, draft 2020-12) with the `jsonschema` crate.

use serde_json::Value;

/// The schema compiled into the binary; the same file that `schemas/` publishes.
pub const NOTICE_SCHEMA_JSON: &str = include_str!("../../schemas/notice.schema.json");

/// One way a document breaks the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON Pointer to the offending value, e.g. `/tasks/3/seq` (empty for the root).
    pub instance_path: String,
    /// JSON Pointer into the schema to the keyword that failed.
    pub schema_path: String,
    pub message: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_path.is_empty() { "/" } else { &self.instance_path };
        write!(f, "{at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// Why validation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    #[error("the schema {origin} is not a valid JSON Schema: {message}")]
    BadSchema { origin: String, message: String },
    #[error("{origin} is not JSON: {source}")]
    NotJson { origin: String, source: serde_json::Error },
}

/// The built-in notice schema, turned into Rust code when the crate is built by `jsonschema`'s
/// `validator` macro from the file `schemas/` publishes: a run compiles only the schema's
/// `pattern` regexes (seven), each on its first use (compiling the whole schema, and first the
/// draft's meta-schema to check it against, was a sixth of a single-file conversion's work), and
/// a schema that does not compile fails the build.
#[jsonschema::validator(path = "schemas/notice.schema.json", draft = Draft202012)]
struct NoticeSchema;

/// A schema to check documents against: the built-in notice schema ([`SchemaValidator::notice`])
/// or one given as text ([`SchemaValidator::from_json`]), compiled when it is given and shared by
/// its clones.
#[derive(Clone)]
pub struct SchemaValidator {
    /// `None` for the built-in schema.
    given: Option<std::sync::Arc<jsonschema::Validator>>,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.given.is_some() { "SchemaValidator(given)" } else { "SchemaValidator(notice)" })
    }
}

/// Compiles `text` as a draft 2020-12 schema; `origin` names it in errors.
fn compile(text: &str, origin: &str) -> Result<jsonschema::Validator, ValidateError> {
    let schema: Value =
        serde_json::from_str(text).map_err(|source| ValidateError::NotJson { origin: origin.to_string(), source })?;
    jsonschema::draft202012::new(&schema)
        .map_err(|e| ValidateError::BadSchema { origin: origin.to_string(), message: e.to_string() })
}

impl SchemaValidator {
    /// The built-in notice schema (`schemas/notice.schema.json`, compiled into the program).
    pub fn notice() -> Self {
        SchemaValidator { given: None }
    }

    /// Compiles a schema given as JSON text; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, ValidateError> {
        Ok(SchemaValidator { given: Some(std::sync::Arc::new(compile(text, origin)?)) })
    }

    /// Every violation of `instance`, in the validator's order; empty when it is valid.
    pub fn violations(&self, instance: &Value) -> Vec<SchemaViolation> {
        let errors = match &self.given {
            Some(validator) => validator.iter_errors(instance),
            None => NoticeSchema::iter_errors(instance),
        };
        errors
            .map(|e| SchemaViolation {
                instance_path: e.instance_path().as_str().to_string(),
                schema_path: e.schema_path().as_str().to_string(),
                message: e.to_string(),
            })
            .collect()
    }

    /// Parses `text` as JSON and validates it; `origin` names it in errors.
    pub fn validate_text(&self, text: &str, origin: &str) -> Result<Vec<SchemaViolation>, ValidateError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|source| ValidateError::NotJson { origin: origin.to_string(), source })?;
        Ok(self.violations(&value))
    }
}
