//! A value with the byte span it came from in the scenario text.
//!
//! Wraps [`toml::Spanned`] so scenario types can also derive a JSON Schema (the schema of a
//! `Spanned<T>` is the schema of `T`) and compare by value only.

use schemars::{JsonSchema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};

/// A value of type `T` with the byte range of its text in the scenario file. Equality, ordering
/// and hashing look at the value only; serialising writes the bare value.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    value: T,
    span: Range<usize>,
}

impl<T> Spanned<T> {
    /// A value with an explicit span (tests, programmatic construction).
    pub fn new(value: T, span: Range<usize>) -> Self {
        Spanned { value, span }
    }

    /// A value that did not come from text (span `0..0`).
    pub fn bare(value: T) -> Self {
        Spanned { value, span: 0..0 }
    }

    /// Byte range of the value in the scenario text.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The value.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// The value, consuming the wrapper.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Default> Default for Spanned<T> {
    fn default() -> Self {
        Spanned::bare(T::default())
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: PartialOrd> PartialOrd for Spanned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for Spanned<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: Hash> Hash for Spanned<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = toml::Spanned::<T>::deserialize(deserializer)?;
        let span = s.span();
        Ok(Spanned { value: s.into_inner(), span })
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
