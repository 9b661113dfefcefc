//! The fuzzy-call boundary: how the executor asks a model-backed implementation to answer a `fuzzy fn` call.
//!
//! Values cross it as JSON, typed by the fuzzy fn's HIR signature, so the model side never sees the
//! executor's `Rc`-based values and can live on another thread.

use std::fmt;

use paw_hir::{FuzzyFn, Program, Ty};
use serde_json::Value as J;

use crate::value::{Key, KeyRef, StructObj, Value};

/// Answers calls to fuzzy functions. `args` are the arguments as JSON (see `Value::to_json`), one per
/// parameter; the answer must be JSON of the declared return type (enum variants as their names, `none` as
/// `null`, structs as objects).
pub trait FuzzyBackend: Send + Sync {
    fn call(&self, func: &FuzzyFn, args: &[J]) -> Result<J, FuzzyCallError>;
}

/// Why a fuzzy call produced no answer.
#[derive(Clone, Debug, PartialEq)]
pub enum FuzzyCallError {
    /// No artifact exists for the function: it must be built first.
    NotBuilt { name: String },
    /// The function's build cannot be used (stale, missing, damaged, unsupported types); `help` says what to run.
    NotReady { message: String, help: String },
    /// The backend failed (model missing, artifact corrupt, ...), with its explanation.
    Failed { message: String },
}

impl fmt::Display for FuzzyCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuzzyCallError::NotBuilt { name } => write!(f, "fuzzy fn `{name}` has not been built"),
            FuzzyCallError::NotReady { message, .. } | FuzzyCallError::Failed { message } => f.write_str(message),
        }
    }
}

/// The backend of a program that was never built: every call is an error, never an invented answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unbuilt;

impl FuzzyBackend for Unbuilt {
    fn call(&self, func: &FuzzyFn, _: &[J]) -> Result<J, FuzzyCallError> {
        Err(FuzzyCallError::NotBuilt {
            name: func.name.clone(),
        })
    }
}

/// Converts a backend's JSON answer to a value of type `ty`, or says why it does not fit. It accepts exactly the
/// values the model side's check (`paw_model::TypeSchema::validate`, reached through `paw_fuzzy::fits`) accepts,
/// structs with exactly their fields included; `tests/workspace/value_fit.rs` holds the two to that.
pub fn value_from_json(j: &J, ty: &Ty, program: &Program) -> Result<Value, String> {
    let mismatch = || format!("`{j}` is not a value of type `{}`", ty.display(program));
    Ok(match (ty, j) {
        (Ty::Optional(_), J::Null) => Value::None,
        (Ty::Optional(inner), _) => value_from_json(j, inner, program)?,
        (Ty::Unit, J::Null) => Value::Unit,
        (Ty::Int, J::Number(n)) => Value::Int(n.as_i64().ok_or_else(mismatch)?),
        (Ty::Float, J::Number(n)) => Value::Float(n.as_f64().ok_or_else(mismatch)?),
        (Ty::Bool, J::Bool(b)) => Value::Bool(*b),
        (Ty::Str, J::String(s)) => Value::str(s.as_str()),
        (Ty::Json, _) => Value::json(j.clone()),
        (Ty::List(elem), J::Array(items)) => Value::list(
            items
                .iter()
                .map(|i| value_from_json(i, elem, program))
                .collect::<Result<_, _>>()?,
        ),
        (Ty::Dict(key, val), J::Object(fields)) => {
            let mut map = crate::value::DictMap::default();
            for (k, v) in fields {
                let key = match **key {
                    Ty::Int => Key::Int(k.parse().map_err(|_| mismatch())?),
                    _ => KeyRef::Str(k).to_key(),
                };
                map.insert(key, value_from_json(v, val, program)?);
            }
            Value::Dict(std::rc::Rc::new(std::cell::RefCell::new(map)))
        }
        (Ty::Enum(id), J::String(name)) => {
            let index = program
                .enum_def(*id)
                .variants
                .iter()
                .position(|v| v.name == *name)
                .ok_or_else(mismatch)?;
            Value::Enum(id.0, index as u32)
        }
        (Ty::Struct(id), J::Object(fields)) => {
            let def = program.struct_def(*id);
            if fields.len() != def.fields.len() {
                return Err(mismatch());
            }
            let values = def
                .fields
                .iter()
                .map(|f| value_from_json(fields.get(&f.name).ok_or_else(mismatch)?, &f.ty, program))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Struct(std::rc::Rc::new(StructObj {
                ty: id.0,
                fields: std::cell::RefCell::new(values.into()),
            }))
        }
        _ => return Err(mismatch()),
    })
}
