//! `notice_ingest._native`: the Python binding of the notice-ingest library.
//!
//! The library does the work; this module only turns Python arguments into the library's
//! (paths, bytes, a registry, limits), runs the conversion with the GIL released, hands the
//! record back as the dicts and lists of the JSON the CLI writes, and maps the library's errors
//! to the exceptions of `notice_ingest` (carrying the CLI's message, the failing stage and the
//! CLI's exit code).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use notice_ingest::{Config, Limits, OfficeRegistry, RegistryChoice, SchemaValidator};
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

pyo3::create_exception!(
    notice_ingest,
    NoticeIngestError,
    PyException,
    "A notice could not be converted (or a registry loaded). `str(e)` is the CLI's message; `kind` names the stage that failed (`source`, `html`, `pdf`, `ledger`, …), `path` the input when known, `exit_code` the CLI's exit code (1: the input is at fault, 2: reading or usage)."
);
pyo3::create_exception!(
    notice_ingest,
    InputError,
    NoticeIngestError,
    "The input itself is at fault: an unrecognised or unsupported format, no task ledger, a document that breaks the schema (the CLI's exit code 1)."
);
pyo3::create_exception!(
    notice_ingest,
    ReadError,
    NoticeIngestError,
    "The input or a registry could not be read: a missing or unreadable file, a special file, an invalid registry (the CLI's exit code 2)."
);

/// The CLI's exit code for an input that is at fault, and for reading and usage problems.
const INPUT_PROBLEM: u8 = 1;
const READ_PROBLEM: u8 = 2;

/// The built-in configuration, made once: compiling the schema is the expensive part, and clones
/// share it.
fn default_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

fn schema_validator() -> &'static SchemaValidator {
    static VALIDATOR: OnceLock<SchemaValidator> = OnceLock::new();
    VALIDATOR.get_or_init(SchemaValidator::notice)
}

/// A library error as a `notice_ingest` exception with `kind`, `path` and `exit_code`.
fn conversion_error(py: Python<'_>, error: &notice_ingest::Error) -> PyErr {
    let message = error.to_string();
    let (err, exit_code) = if error.is_input_problem() {
        (InputError::new_err(message), INPUT_PROBLEM)
    } else {
        (ReadError::new_err(message), READ_PROBLEM)
    };
    let path = error.path().map(|p| p.display().to_string());
    annotate(py, err, error.kind().name(), path, exit_code)
}

/// A registry that could not be loaded (the CLI's `--registry FILE` error, exit code 2).
fn registry_error(py: Python<'_>, error: &notice_ingest::OfficeError) -> PyErr {
    annotate(py, ReadError::new_err(error.to_string()), "office", None, READ_PROBLEM)
}

fn annotate(py: Python<'_>, err: PyErr, kind: &str, path: Option<String>, exit_code: u8) -> PyErr {
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail short of memory exhaustion;
    // the exception is raised either way.
    let _ = value.setattr("kind", kind);
    let _ = value.setattr("path", path);
    let _ = value.setattr("exit_code", exit_code);
    err
}

/// An office registry loaded once and used for many conversions: `Registry.from_path(path)` (the
/// CLI's `--registry FILE`), `Registry.from_json(text)`, or `Registry.builtin()`.
#[pyclass(module = "notice_ingest", frozen)]
struct Registry {
    inner: OfficeRegistry,
}

#[pymethods]
impl Registry {
    /// The registry compiled into the library (甘肃省教育厅).
    #[staticmethod]
    fn builtin() -> Self {
        Registry { inner: OfficeRegistry::builtin() }
    }

    /// Loads a registry file (the format of `notice-ingest offices --json`'s source; see the
    /// README's "Office registries").
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| OfficeRegistry::from_path(&path)).map_err(|e| registry_error(py, &e))?;
        Ok(Registry { inner })
    }

    /// Loads a registry from its JSON text; `origin` names it in error messages.
    #[staticmethod]
    #[pyo3(signature = (text, origin = "<json>"))]
    fn from_json(py: Python<'_>, text: &str, origin: &str) -> PyResult<Self> {
        let inner = OfficeRegistry::from_json(text, origin).map_err(|e| registry_error(py, &e))?;
        Ok(Registry { inner })
    }

    /// The registry's id (`notice.registry` in the records it resolves).
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The issuer whose offices the registry lists.
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.issuer()
    }

    /// The entries, each as a dict in the registry file's format.
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &to_value(self.inner.entries())?)
    }

    fn __repr__(&self) -> String {
        format!(
            "Registry(id={:?}, issuer={:?}, entries={})",
            self.inner.id(),
            self.inner.issuer(),
            self.inner.entries().len()
        )
    }
}

/// The `registry=` argument: `None` (built-in registries chosen by each notice's issuer), a
/// [`Registry`], a path to a registry file, or a dict in the registry file's format.
fn registry_argument(py: Python<'_>, registry: Option<&Bound<'_, PyAny>>) -> PyResult<Option<OfficeRegistry>> {
    let Some(registry) = registry.filter(|r| !r.is_none()) else { return Ok(None) };
    if let Ok(r) = registry.cast::<Registry>() {
        return Ok(Some(r.get().inner.clone()));
    }
    if registry.is_instance_of::<PyDict>() {
        let text = to_value_from_python(registry)?.to_string();
        return OfficeRegistry::from_json(&text, "<dict>").map(Some).map_err(|e| registry_error(py, &e));
    }
    match registry.extract::<PathBuf>() {
        Ok(path) => py.detach(|| OfficeRegistry::from_path(&path)).map(Some).map_err(|e| registry_error(py, &e)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "registry must be None, a notice_ingest.Registry, a path to a registry file or a dict, not {}",
            registry.get_type().name()?
        ))),
    }
}

/// The `limits=` argument: a dict of the CLI's limit flags (`max_input_mib`, `max_inflated_mib`,
/// `max_inflated_total_mib`, `max_pages`, `max_pdf_objects`, `max_depth`, `time_budget` in
/// seconds); the ones left out keep their defaults.
fn limits_argument(limits: Option<&Bound<'_, PyDict>>) -> PyResult<Option<Limits>> {
    let Some(limits) = limits else { return Ok(None) };
    let mut out = Limits::default();
    for (key, value) in limits.iter() {
        let key: String = key.extract().map_err(|_| PyTypeError::new_err("limits keys must be strings"))?;
        let at_least_one = |v: u64| {
            if v == 0 {
                Err(PyValueError::new_err(format!("limits[{key:?}] must be at least 1")))
            } else {
                Ok(v)
            }
        };
        let mib = |v: u64| {
            at_least_one(v)?
                .checked_mul(notice_ingest::MIB)
                .ok_or_else(|| PyValueError::new_err(format!("limits[{key:?}] = {v} is too large")))
        };
        match key.as_str() {
            "max_input_mib" => out.max_input_bytes = mib(value.extract()?)?,
            "max_inflated_mib" => out.max_inflated_bytes = mib(value.extract()?)?,
            "max_inflated_total_mib" => out.max_inflated_total_bytes = mib(value.extract()?)?,
            "max_pages" => out.max_pages = at_least_one(value.extract::<u32>()?.into())? as u32,
            "max_pdf_objects" => out.max_pdf_objects = at_least_one(value.extract()?)?,
            "max_depth" => out.max_depth = at_least_one(value.extract::<usize>()? as u64)? as usize,
            "time_budget" => {
                out.time_budget = match value.extract::<Option<f64>>()? {
                    None => None,
                    Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Some(std::time::Duration::from_secs_f64(s)),
                    Some(s) => {
                        return Err(PyValueError::new_err(format!(
                            "limits[\"time_budget\"] must be a positive number of seconds, not {s}"
                        )))
                    }
                }
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown limit {key:?}; the limits are max_input_mib, max_inflated_mib, max_inflated_total_mib, max_pages, max_pdf_objects, max_depth, time_budget"
                )))
            }
        }
    }
    Ok(Some(out))
}

/// The configuration for one call: the built-in one, with the registry and limits given.
fn config_for(
    py: Python<'_>,
    registry: Option<&Bound<'_, PyAny>>,
    limits: Option<&Bound<'_, PyDict>>,
) -> PyResult<Config> {
    let mut config = default_config().clone();
    if let Some(r) = registry_argument(py, registry)? {
        config.registries = RegistryChoice::Fixed(r);
    }
    if let Some(l) = limits_argument(limits)? {
        config.limits = l;
    }
    Ok(config)
}

/// What to convert: a file on disk, or a file's bytes with the name it goes by.
enum Input {
    Path(PathBuf),
    Bytes { bytes: PyBackedBytes, name: String },
}

/// The name bytes go by when the caller gives none (`source.path` in the record).
const DEFAULT_NAME: &str = "notice";

fn input_argument(source: &Bound<'_, PyAny>, filename: Option<String>) -> PyResult<Input> {
    if source.is_instance_of::<PyBytes>() || source.is_instance_of::<PyByteArray>() {
        let bytes: PyBackedBytes = source.extract()?;
        return Ok(Input::Bytes { bytes, name: filename.unwrap_or_else(|| DEFAULT_NAME.to_string()) });
    }
    match source.extract::<PathBuf>() {
        Ok(path) if filename.is_none() => Ok(Input::Path(path)),
        Ok(_) => Err(PyTypeError::new_err(
            "filename= names bytes; a path is converted under its own name (pass the file's bytes to rename it)",
        )),
        Err(_) => Err(PyTypeError::new_err(format!(
            "expected a path (str or os.PathLike) or the file's bytes, not {}",
            source.get_type().name()?
        ))),
    }
}

/// Converts one notice into its canonical record: the dict of exactly the JSON `notice-ingest
/// convert` writes (same keys, same order, same values). `source` is a path (str or os.PathLike;
/// attachments saved beside a web page are read with it, as the CLI reads them) or the file's
/// bytes (`filename` is then the name it goes by: its extension tells DOCX from XLSX, and it is
/// `notice.source.path`). `beside` maps file names to the bytes of the files saved beside the page
/// given as bytes, so its attachments are read with it. `registry`: a `Registry`, a registry file's
/// path or a dict in its format (default: the built-in registries, chosen by the notice's issuer);
/// `limits`: a dict of the CLI's limit flags. The GIL is released while converting.
#[pyfunction]
#[pyo3(signature = (source, *, filename = None, registry = None, limits = None, beside = None))]
fn convert<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    filename: Option<String>,
    registry: Option<&Bound<'py, PyAny>>,
    limits: Option<&Bound<'py, PyDict>>,
    beside: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let input = input_argument(source, filename)?;
    let config = config_for(py, registry, limits)?;
    let neighbours: HashMap<String, PyBackedBytes> = match beside {
        None => HashMap::new(),
        Some(files) => {
            files.extract().map_err(|_| PyTypeError::new_err("beside must map file names (str) to bytes"))?
        }
    };
    if matches!(input, Input::Path(_)) && !neighbours.is_empty() {
        return Err(PyTypeError::new_err("beside= goes with bytes; a path's attachments are read from its folder"));
    }
    let converted = py.detach(|| {
        let doc = match &input {
            Input::Path(path) => notice_ingest::convert_path(path, &config),
            Input::Bytes { bytes, name } if neighbours.is_empty() => notice_ingest::convert_bytes(bytes, name, &config),
            Input::Bytes { bytes, name } => {
                notice_ingest::convert_bytes_beside(bytes, name, |n| neighbours.get(n).map(|b| &b[..]), &config)
            }
        };
        doc.map(|d| serde_json::to_value(&d))
    });
    match converted {
        Ok(value) => to_python(py, &value.map_err(|e| PyValueError::new_err(e.to_string()))?),
        Err(e) => Err(conversion_error(py, &e)),
    }
}

/// The attachments a notice page links, as the file names to look for beside it: one list per
/// link, in link order, each holding the names to try in turn; the first that is a file beside the
/// page (other than the page and those already taken) is the attachment, as `convert` reads them.
/// Only web pages link attachments: other formats give `[]`. For grouping pages with their
/// attachments in a table of files (`notice_ingest.spark` does).
#[pyfunction]
#[pyo3(signature = (source, *, filename = None, limits = None))]
fn attachment_candidates<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    filename: Option<String>,
    limits: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<Vec<String>>> {
    let input = input_argument(source, filename)?;
    let limits = limits_argument(limits)?.unwrap_or_default();
    let found = py.detach(|| {
        let source = match &input {
            Input::Path(path) => notice_ingest::read_source(path, limits.max_input_bytes)
                .map_err(|e| notice_ingest::Error::from(e).with_path(path))?,
            Input::Bytes { bytes, name } => notice_ingest::source_from_bytes(Path::new(name), bytes.to_vec())?,
        };
        notice_ingest::attachment_candidates(&source, &limits)
    });
    found.map_err(|e| conversion_error(py, &e))
}

/// How a cell of office names splits and resolves, as `notice-ingest split` shows it: a tuple of
/// the office references (dicts as in the record: `code`, `name`, `raw`, `kind`, `marker`) and the
/// diagnostics. `registry` as for `convert` (default: the built-in registry).
#[pyfunction]
#[pyo3(signature = (text, registry = None))]
fn split<'py>(
    py: Python<'py>,
    text: &str,
    registry: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let registry = registry_argument(py, registry)?.unwrap_or_else(OfficeRegistry::builtin);
    let (refs, diagnostics) = registry.split(text, &notice_ingest::Location::default());
    Ok((to_python(py, &to_value(&refs)?)?, to_python(py, &to_value(&diagnostics)?)?))
}

/// Checks a record against the published schema (`notice-ingest validate`): the list of
/// problems, each a dict with `instance_path`, `schema_path` and `message`; empty when valid.
/// `record` is a dict (as `convert` returns) or JSON text.
#[pyfunction]
fn validate<'py>(py: Python<'py>, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let value = if let Ok(text) = record.extract::<PyBackedStr>() {
        serde_json::from_str(&text).map_err(|e| PyValueError::new_err(format!("the record is not JSON: {e}")))?
    } else {
        to_value_from_python(record)?
    };
    let violations = py.detach(|| schema_validator().violations(&value));
    let list = PyList::empty(py);
    for v in violations {
        let problem = PyDict::new(py);
        problem.set_item("instance_path", v.instance_path)?;
        problem.set_item("schema_path", v.schema_path)?;
        problem.set_item("message", v.message)?;
        list.append(problem)?;
    }
    Ok(list.into_any())
}

/// The JSON Schema of the record (`schemas/notice.schema.json`, draft 2020-12), as a dict.
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let value: Value = serde_json::from_str(notice_ingest::record::validate::NOTICE_SCHEMA_JSON)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    to_python(py, &value)
}

fn to_value<T: serde::Serialize + ?Sized>(value: &T) -> PyResult<Value> {
    serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A JSON value as Python objects: objects become dicts (in the JSON's key order), arrays lists.
fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Python objects as a JSON value: dicts with string keys, lists and tuples, strings, numbers,
/// booleans and None.
fn to_value_from_python(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(obj.extract::<u64>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in dict.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("JSON object keys must be strings"))?;
            map.insert(key.to_cow()?.into_owned(), to_value_from_python(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list.iter().map(|v| to_value_from_python(&v)).collect::<PyResult<_>>().map(Value::Array);
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return tuple.iter().map(|v| to_value_from_python(&v)).collect::<PyResult<_>>().map(Value::Array);
    }
    Err(PyTypeError::new_err(format!("{} is not a JSON value", obj.get_type().name()?)))
}

/// Writes `n` generated notices under `folder` (derived from the text rendition `seed`, as the
/// batch tests and benchmarks make them) and returns their paths. For tests and benchmarks.
#[pyfunction]
fn _generate_corpus(py: Python<'_>, seed: &str, folder: PathBuf, n: usize) -> PyResult<Vec<PathBuf>> {
    py.detach(|| notice_ingest::corpus::generate_corpus(seed, &folder, n))
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot write {}: {e}", folder.display())))
}

/// The native half of the `notice_ingest` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", notice_ingest::SCHEMA_VERSION)?;
    m.add("NOTICE_EXTENSIONS", PyTuple::new(py, notice_ingest::NOTICE_EXTENSIONS)?)?;
    m.add("NoticeIngestError", py.get_type::<NoticeIngestError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ReadError", py.get_type::<ReadError>())?;
    m.add_class::<Registry>()?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(attachment_candidates, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(_generate_corpus, m)?)?;
    Ok(())
}
