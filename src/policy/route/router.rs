//! The compiled route table: a segment trie from path templates to rule values.
//!
//! Owns [`Router`], [`RouteMatch`] and [`Params`]. Built once at start-up; a lookup walks
//! the trie segment by segment (no regex, no scan over the rules) and allocates nothing.
//! Pure: no I/O. It must never answer with more than one rule, and never fall back to a
//! lower-precedence template when the best one does not list the request's method.
//!
//! Precedence (DESIGN §3) is decided path-first: at each segment a literal child is tried
//! before the parameter child, backtracking when a branch cannot match the rest of the path;
//! the first template that matches the whole path wins, and only then is the method looked
//! up among the rules sharing that template's shape.

use super::error::RouteError;
use super::reserved::Reserved;
use super::template::{Segment, Template, MAX_PARAMS};

/// A route table from templates and methods to values of type `T` (the rules).
#[derive(Debug)]
pub struct Router<T> {
    root: Node<T>,
    len: usize,
}

#[derive(Debug)]
struct Node<T> {
    /// Literal children, sorted by segment for binary search.
    literals: Vec<(Box<str>, Node<T>)>,
    param: Option<Box<Node<T>>>,
    /// Rules whose template ends here; all have the same shape and disjoint methods.
    entries: Vec<Entry<T>>,
}

#[derive(Debug)]
struct Entry<T> {
    template: Template,
    methods: Box<[Box<str>]>,
    value: T,
}

/// The answer of [`Router::at`].
#[derive(Debug)]
pub enum RouteMatch<'a, T> {
    /// The best template for the path has a rule listing the method.
    Found {
        value: &'a T,
        params: Params<'a>,
        template: &'a Template,
    },
    /// The best template for the path lists other methods only (no fallback).
    MethodNotListed { template: &'a Template },
    /// No template matches the path.
    NotFound,
}

/// Parameter values of a match, borrowed from the path; names from the matched template.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    template: &'a Template,
    values: [&'a str; MAX_PARAMS],
    len: usize,
}

impl<'a> Params<'a> {
    /// The value of parameter `name`, if the template has it.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// `(name, value)` pairs in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        let names = self.template.params().iter().map(|n| &**n);
        names.zip(self.values.iter().take(self.len).copied())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The values as byte ranges of `path`, the string this match was made on, so that a
    /// match can be kept beside an owned path (the gateway matches each request once and
    /// carries the match through its stages). A value that is not part of `path` gets an
    /// empty range.
    pub fn ranges(&self, path: &str) -> ParamRanges {
        let base = path.as_ptr() as usize;
        let mut ranges = [(0u32, 0u32); MAX_PARAMS];
        for (slot, value) in ranges.iter_mut().zip(&self.values[..self.len]) {
            let start = (value.as_ptr() as usize).wrapping_sub(base);
            let end = start.saturating_add(value.len());
            if end <= path.len() && path.get(start..end) == Some(*value) {
                *slot = (start as u32, end as u32);
            }
        }
        ParamRanges {
            ranges,
            len: self.len,
        }
    }
}

/// Parameter values as byte ranges of a path (see [`Params::ranges`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ParamRanges {
    ranges: [(u32, u32); MAX_PARAMS],
    len: usize,
}

impl ParamRanges {
    /// The parameters again, over the same `path` and the matched `template`.
    pub fn params<'a>(&self, template: &'a Template, path: &'a str) -> Params<'a> {
        let mut values = [""; MAX_PARAMS];
        for (slot, (start, end)) in values.iter_mut().zip(&self.ranges[..self.len]) {
            *slot = path.get(*start as usize..*end as usize).unwrap_or_default();
        }
        Params {
            template,
            values,
            len: self.len,
        }
    }
}

/// Parameter values collected while walking the trie.
struct Values<'a> {
    values: [&'a str; MAX_PARAMS],
    len: usize,
}

impl<'a> Values<'a> {
    fn push(&mut self, value: &'a str) -> bool {
        match self.values.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Node<T> {
    fn new() -> Self {
        Node {
            literals: Vec::new(),
            param: None,
            entries: Vec::new(),
        }
    }

    fn child(&self, segment: &Segment) -> Option<&Node<T>> {
        match segment {
            Segment::Literal(text) => self.literal(text),
            Segment::Param(_) => self.param.as_deref(),
        }
    }

    fn literal(&self, text: &str) -> Option<&Node<T>> {
        let i = self
            .literals
            .binary_search_by(|(k, _)| (**k).cmp(text))
            .ok()?;
        self.literals.get(i).map(|(_, node)| node)
    }

    fn child_mut(&mut self, segment: &Segment) -> &mut Node<T> {
        match segment {
            Segment::Param(_) => self.param.get_or_insert_with(|| Box::new(Node::new())),
            Segment::Literal(text) => {
                let i = match self.literals.binary_search_by(|(k, _)| (**k).cmp(text)) {
                    Ok(i) => i,
                    Err(i) => {
                        self.literals.insert(i, (text.clone(), Node::new()));
                        i
                    }
                };
                &mut self.literals[i].1
            }
        }
    }

    /// Depth-first, literal before parameter; `values` is unchanged when `None` is returned.
    fn find<'a>(&'a self, rest: Option<&'a str>, values: &mut Values<'a>) -> Option<&'a Self> {
        let Some(rest) = rest else {
            return (!self.entries.is_empty()).then_some(self);
        };
        let (segment, tail) = match rest.split_once('/') {
            Some((segment, tail)) => (segment, Some(tail)),
            None => (rest, None),
        };
        if let Some(found) = self.literal(segment).and_then(|c| c.find(tail, values)) {
            return Some(found);
        }
        let child = self.param.as_deref().filter(|_| !segment.is_empty())?;
        if !values.push(segment) {
            return None;
        }
        let found = child.find(tail, values);
        if found.is_none() {
            values.pop();
        }
        found
    }
}

impl<T> Router<T> {
    pub fn new() -> Self {
        Router {
            root: Node::new(),
            len: 0,
        }
    }

    /// Number of rules inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a rule. Methods are case-sensitive HTTP tokens, at least one, each once. A rule
    /// whose template has the same shape as an existing rule's and shares a method is an
    /// [`RouteError::Overlap`]; on any error the table is left unchanged.
    pub fn insert(
        &mut self,
        template: Template,
        methods: &[String],
        value: T,
    ) -> Result<(), RouteError> {
        validate_methods(&template, methods)?;
        let mut node = Some(&self.root);
        for segment in template.segments() {
            node = node.and_then(|n| n.child(segment));
        }
        for entry in node.map(|n| n.entries.as_slice()).unwrap_or_default() {
            if entry
                .methods
                .iter()
                .any(|m| methods.iter().any(|n| **m == **n))
            {
                return Err(RouteError::Overlap {
                    existing: entry.template.to_string(),
                    new: template.to_string(),
                });
            }
        }
        let mut node = &mut self.root;
        for segment in template.segments() {
            node = node.child_mut(segment);
        }
        node.entries.push(Entry {
            methods: methods.iter().map(|m| m.as_str().into()).collect(),
            template,
            value,
        });
        self.len += 1;
        Ok(())
    }

    /// Looks up an already-normalized path (see [`normalize_path`](super::normalize_path)).
    /// A path that is not normalized gets a defined answer but may miss rules.
    pub fn at<'a>(&'a self, method: &str, path: &'a str) -> RouteMatch<'a, T> {
        let Some(rest) = path.strip_prefix('/') else {
            return RouteMatch::NotFound;
        };
        let rest = Some(rest).filter(|r| !r.is_empty());
        let mut values = Values {
            values: [""; MAX_PARAMS],
            len: 0,
        };
        let Some(node) = self.root.find(rest, &mut values) else {
            return RouteMatch::NotFound;
        };
        let listing = node
            .entries
            .iter()
            .find(|e| e.methods.iter().any(|m| **m == *method));
        match (listing, node.entries.first()) {
            (Some(entry), _) => RouteMatch::Found {
                value: &entry.value,
                params: Params {
                    template: &entry.template,
                    values: values.values,
                    len: values.len,
                },
                template: &entry.template,
            },
            (None, Some(entry)) => RouteMatch::MethodNotListed {
                template: &entry.template,
            },
            (None, None) => RouteMatch::NotFound,
        }
    }

    /// Refuses a route template that overlaps one of scopegate's own paths.
    pub fn check_reserved(template: &Template, reserved: &[Reserved]) -> Result<(), RouteError> {
        match reserved.iter().find(|r| r.overlaps(template)) {
            Some(r) => Err(RouteError::Reserved {
                route: template.to_string(),
                reserved: r.to_string(),
            }),
            None => Ok(()),
        }
    }
}

fn validate_methods(template: &Template, methods: &[String]) -> Result<(), RouteError> {
    if methods.is_empty() {
        return Err(RouteError::NoMethods(template.to_string()));
    }
    for (i, method) in methods.iter().enumerate() {
        if !is_token(method) {
            return Err(RouteError::InvalidMethod {
                template: template.to_string(),
                method: method.clone(),
            });
        }
        if methods[..i].contains(method) {
            return Err(RouteError::DuplicateMethod {
                template: template.to_string(),
                method: method.clone(),
            });
        }
    }
    Ok(())
}

/// An HTTP token (RFC 9110 `tchar`), non-empty.
pub fn is_token(method: &str) -> bool {
    !method.is_empty()
        && method.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
