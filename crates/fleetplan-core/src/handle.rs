//! The one definition of a typed handle: an id checked once (by catalog resolution or scenario
//! validation) that keeps its position in the list it indexes and its id string. A handle
//! compares, orders and hashes by id, serialises as the id string (JSON is the same as with
//! plain strings), displays like the id (widths and alignment apply), reads as a string only
//! through `as_str()`, and indexes its container infallibly (`&catalog[&chip]`,
//! `&scenario[&site]`). Used by `catalog::ids` and `scenario::ids`.

/// Define a handle type `$name` for entries `$entry` in `$container.$field` (entries have an
/// `id: String`). `$kind` names the entry kind and `$misuse` the container in the panic message
/// for a handle used with a container it was not made for (a bug, never user input).
macro_rules! typed_handle {
    ($(#[$doc:meta])* $name:ident, $entry:ty, $container:ty, $field:ident, $kind:literal, $misuse:literal) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            index: u32,
            id: std::sync::Arc<str>,
        }

        impl $name {
            /// Made only where the id has been checked (resolution, validation, or a position in
            /// the container itself).
            pub(crate) fn new(index: usize, id: &str) -> Self {
                $name { index: u32::try_from(index).unwrap_or(u32::MAX), id: std::sync::Arc::from(id) }
            }

            /// The id string (canonical for catalog entries).
            pub fn as_str(&self) -> &str {
                &self.id
            }

            /// Position of the entry in the list it was checked against.
            pub fn index(&self) -> usize {
                self.index as usize
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad`, not `write_str`: widths and alignment apply as they do to a `str`.
                f.pad(&self.id)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.id.cmp(&other.id)
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.id.hash(state)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.id == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.id == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self.id == **other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.id)
            }
        }

        impl std::ops::Index<&$name> for $container {
            type Output = $entry;

            fn index(&self, handle: &$name) -> &$entry {
                match self.$field.get(handle.index()) {
                    Some(entry) if *entry.id == *handle.id => entry,
                    _ => self.$field.iter().find(|e| *e.id == *handle.id).unwrap_or_else(|| {
                        panic!("{} `{}` used with {} (a bug)", $kind, handle.id, $misuse)
                    }),
                }
            }
        }
    };
}

pub(crate) use typed_handle;
