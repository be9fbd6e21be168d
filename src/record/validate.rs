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

/// A compiled schema, shared by its clones (compiling is the expensive part). The built-in
/// schema ([`SchemaValidator::notice`]) is compiled on first use, or ahead of it by
/// [`SchemaValidator::prepare`] (which a caller may run on another thread while a document is
/// read); a schema given as text is compiled at once, so its errors show there.
#[derive(Clone)]
pub struct SchemaValidator {
    validator: std::sync::Arc<std::sync::OnceLock<jsonschema::Validator>>,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaValidator")
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
    /// The built-in notice schema, compiled on first use (a test checks that it compiles).
    pub fn notice() -> Self {
        SchemaValidator { validator: Default::default() }
    }

    /// Compiles a schema given as JSON text; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, ValidateError> {
        let validator = compile(text, origin)?;
        Ok(SchemaValidator { validator: std::sync::Arc::new(validator.into()) })
    }

    /// Compiles the schema now if it is not yet (about 2 ms for the built-in one in a fresh
    /// process); its clones share the result. A validation that starts meanwhile waits for it.
    pub fn prepare(&self) {
        self.compiled();
    }

    fn compiled(&self) -> &jsonschema::Validator {
        self.validator.get_or_init(|| {
            compile(NOTICE_SCHEMA_JSON, "builtin:notice.schema.json").expect("the built-in schema compiles")
        })
    }

    /// Every violation of `instance`, in the validator's order; empty when it is valid.
    pub fn violations(&self, instance: &Value) -> Vec<SchemaViolation> {
        self.compiled()
            .iter_errors(instance)
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
