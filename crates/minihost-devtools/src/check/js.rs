//! The JavaScript rules, on oxc's AST with scopes resolved: a name counts as the global
//! `eval`, `Function`, `setTimeout`, ... only when no binding in scope shadows it.

use super::{Raw, Severity};
use minihost_core::config::trusted_domains::TrustedDomains;
use minihost_core::rules::{self, Rule};
use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_semantic::{Scoping, SemanticBuilder};
use oxc_span::{GetSpan, SourceType};
use oxc_syntax::symbol::SymbolId;
use std::collections::{HashMap, HashSet};

/// Objects whose properties are globals.
const GLOBAL_OBJECTS: [&str; 6] = ["window", "self", "globalThis", "top", "parent", "frames"];
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// What one script uses that the required-integration audit looks for.
#[derive(Debug, Default, Clone, Copy)]
pub struct Uses {
    pub login: bool,
    pub rewarded_ad: bool,
    pub navbar_call: bool,
}

pub struct Options<'o> {
    pub module: Option<bool>,
    pub trusted: &'o TrustedDomains,
    pub has_domain_section: bool,
}

/// Checks one script. Offsets in the findings are byte offsets into `source`.
pub fn check(source: &str, opts: &Options) -> (Vec<Raw>, Uses) {
    let allocator = Allocator::default();
    let source_type = match opts.module {
        Some(true) => SourceType::mjs(),
        Some(false) => SourceType::script(),
        None => SourceType::unambiguous(),
    };
    let parsed = Parser::new(&allocator, source, source_type).parse();
    let mut out = Vec::new();
    if let Some(d) = parsed.diagnostics.errors().next() {
        let at = d.labels.first().map_or(0, |l| l.offset());
        out.push(Raw {
            rule: rules::PARSE_ERROR,
            severity: Severity::Error,
            offset: at as usize,
            message: format!("cannot parse: {}; the other rules were not checked in this file", d.message),
            hint: None,
        });
        if parsed.panicked {
            return (out, Uses::default());
        }
    }
    let semantic = SemanticBuilder::new().build(&parsed.program);
    let scoping = semantic.semantic.into_scoping();
    let mut v = Checker {
        scoping: &scoping,
        opts,
        out,
        seen: HashSet::new(),
        strings: HashMap::new(),
        aliases: HashMap::new(),
        uses: Uses::default(),
    };
    v.visit_program(&parsed.program);
    (v.out, v.uses)
}

/// A value an expression is known to have, as far as the checker can tell.
#[derive(Debug, Clone, PartialEq)]
enum Text {
    Known(String),
    /// A string that starts with this.
    Prefix(String),
    /// A string of unknown content.
    SomeString,
    Unknown,
}

impl Text {
    fn is_string(&self) -> bool {
        !matches!(self, Text::Unknown)
    }
    fn known(&self) -> Option<&str> {
        match self {
            Text::Known(s) => Some(s),
            _ => None,
        }
    }
    fn concat(self, other: Text) -> Text {
        match (self, other) {
            (Text::Known(a), Text::Known(b)) => Text::Known(a + &b),
            (Text::Known(a), Text::Prefix(b)) => Text::Prefix(a + &b),
            (Text::Known(a), _) => Text::Prefix(a),
            (Text::Prefix(a), _) => Text::Prefix(a),
            (Text::Unknown, Text::Unknown) => Text::Unknown,
            _ => Text::SomeString,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Alias {
    Eval,
    Function,
}

struct Checker<'s, 'o> {
    scoping: &'s Scoping,
    opts: &'s Options<'o>,
    out: Vec<Raw>,
    /// Spans already reported, so a reference is not reported again by a visit further down.
    seen: HashSet<(&'static str, u32)>,
    /// Bindings never written after their declaration, with the string they hold.
    strings: HashMap<SymbolId, Text>,
    aliases: HashMap<SymbolId, Alias>,
    uses: Uses,
}

impl<'a> Checker<'_, '_> {
    fn report(&mut self, rule: Rule, severity: Severity, at: u32, message: String, hint: Option<String>) {
        if self.seen.insert((rule.name, at)) {
            self.out.push(Raw {
                rule,
                severity,
                offset: at as usize,
                message,
                hint,
            });
        }
    }

    /// The symbol a name resolves to; `None` for a global.
    fn symbol(&self, id: &IdentifierReference) -> Option<SymbolId> {
        let r = id.reference_id.get()?;
        self.scoping.get_reference(r).symbol_id()
    }

    fn is_global(&self, e: &Expression, name: &str) -> bool {
        match e.without_parentheses() {
            Expression::Identifier(id) => id.name == name && self.symbol(id).is_none(),
            _ => false,
        }
    }

    /// A binding that is assigned once, at its declaration.
    fn constant(&self, id: &IdentifierReference) -> Option<SymbolId> {
        let s = self.symbol(id)?;
        let written = self.scoping.get_resolved_references(s).any(|r| r.is_write());
        (!written).then_some(s)
    }

    fn is_global_object(&self, e: &Expression) -> bool {
        GLOBAL_OBJECTS.iter().any(|g| self.is_global(e, g))
            || matches!(self.global_property(e), Some(Text::Known(p)) if GLOBAL_OBJECTS.contains(&p.as_str()))
    }

    /// `X` in `window.X`, `self['X']`, `globalThis['ev' + 'al']`: the property name when the
    /// object is the global object.
    fn global_property(&self, e: &Expression) -> Option<Text> {
        let m = e.without_parentheses().as_member_expression()?;
        if !self.is_global_object(m.object()) {
            return None;
        }
        Some(self.property(m))
    }

    /// The property name when it is known, borrowed when it is written out.
    fn name<'b>(&self, m: &'b MemberExpression<'b>) -> Option<std::borrow::Cow<'b, str>> {
        use std::borrow::Cow;
        match m {
            MemberExpression::StaticMemberExpression(s) => Some(Cow::Borrowed(s.property.name.as_str())),
            MemberExpression::ComputedMemberExpression(c) => match &c.expression {
                Expression::StringLiteral(l) => Some(Cow::Borrowed(l.value.as_str())),
                e => match self.text(e) {
                    Text::Known(k) => Some(Cow::Owned(k)),
                    _ => None,
                },
            },
            MemberExpression::PrivateFieldExpression(_) => None,
        }
    }

    fn property(&self, m: &MemberExpression) -> Text {
        match m {
            MemberExpression::StaticMemberExpression(s) => Text::Known(s.property.name.to_string()),
            MemberExpression::ComputedMemberExpression(c) => self.text(&c.expression),
            MemberExpression::PrivateFieldExpression(_) => Text::Unknown,
        }
    }

    /// A global by name, directly or as a property of the global object.
    fn is_global_named(&self, e: &Expression, name: &str) -> bool {
        self.is_global(e, name) || self.global_property(e).is_some_and(|p| p.known() == Some(name))
    }

    fn text(&self, e: &Expression) -> Text {
        match e {
            Expression::StringLiteral(s) => Text::Known(s.value.to_string()),
            Expression::TemplateLiteral(t) => {
                let mut acc = Text::Known(String::new());
                for (i, q) in t.quasis.iter().enumerate() {
                    let part = q.value.cooked.map_or(Text::SomeString, |c| Text::Known(c.to_string()));
                    acc = acc.concat(part);
                    if let Some(e) = t.expressions.get(i) {
                        let t = self.text(e);
                        acc = acc.concat(if t.is_string() { t } else { Text::SomeString });
                    }
                }
                acc
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let (l, r) = (self.text(&b.left), self.text(&b.right));
                if !l.is_string() && !r.is_string() {
                    return Text::Unknown;
                }
                let l = if l.is_string() { l } else { Text::SomeString };
                l.concat(if r.is_string() { r } else { Text::SomeString })
            }
            Expression::ParenthesizedExpression(p) => self.text(&p.expression),
            Expression::SequenceExpression(s) => s.expressions.last().map_or(Text::Unknown, |e| self.text(e)),
            Expression::ConditionalExpression(c) => {
                let (a, b) = (self.text(&c.consequent), self.text(&c.alternate));
                match (&a, &b) {
                    _ if a == b => a,
                    _ if a.is_string() && b.is_string() => Text::SomeString,
                    _ => Text::Unknown,
                }
            }
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::Typeof => Text::SomeString,
            Expression::Identifier(id) => self
                .constant(id)
                .and_then(|s| self.strings.get(&s).cloned())
                .unwrap_or(Text::Unknown),
            Expression::CallExpression(c) => {
                if self.is_global(&c.callee, "String") {
                    return Text::SomeString;
                }
                match c
                    .callee
                    .without_parentheses()
                    .as_member_expression()
                    .and_then(|m| self.name(m))
                    .as_deref()
                {
                    Some("toString" | "join" | "concat") => Text::SomeString,
                    _ => Text::Unknown,
                }
            }
            _ => Text::Unknown,
        }
    }

    /// What a callee is, when it is `eval` or the `Function` constructor under any spelling.
    fn callee_alias(&self, e: &Expression) -> Option<(Alias, &'static str)> {
        let (e, in_sequence) = match e.without_parentheses() {
            Expression::SequenceExpression(s) => (s.expressions.last()?.without_parentheses(), true),
            e => (e, false),
        };
        if self.is_global(e, "eval") {
            return Some((Alias::Eval, if in_sequence { "(0, eval)" } else { "eval" }));
        }
        if self.is_global(e, "Function") {
            return Some((Alias::Function, if in_sequence { "(0, Function)" } else { "Function" }));
        }
        if let Expression::Identifier(id) = e {
            return self.constant(id).and_then(|s| self.aliases.get(&s)).map(|a| match a {
                Alias::Eval => (Alias::Eval, "an alias of eval"),
                Alias::Function => (Alias::Function, "an alias of Function"),
            });
        }
        let computed = matches!(e, Expression::ComputedMemberExpression(c) if !matches!(c.expression, Expression::StringLiteral(_)));
        match self.global_property(e) {
            Some(Text::Known(p)) if p == "eval" && computed => {
                return Some((Alias::Eval, "a computed property of the global object that spells eval"))
            }
            Some(Text::Known(p)) if p == "eval" => return Some((Alias::Eval, "eval on the global object")),
            Some(Text::Known(p)) if p == "Function" => return Some((Alias::Function, "Function on the global object")),
            _ => {}
        }
        let m = e.as_member_expression()?;
        if self.name(m).as_deref() == Some("constructor") {
            if let Some(inner) = m.object().without_parentheses().as_member_expression() {
                if self.name(inner).as_deref() == Some("constructor") {
                    return Some((Alias::Function, "x.constructor.constructor (the Function constructor)"));
                }
            }
        }
        // Function.call(...), Function.apply(...), Function.bind(...)
        // Only on `Function` itself: `Function.bind.apply(C, args)` is Function.prototype.bind
        // applied to C (Babel's construct helper), no code from a string.
        if matches!(self.name(m).as_deref(), Some("call" | "apply" | "bind")) {
            let target = m.object().without_parentheses();
            if target
                .as_member_expression()
                .is_none_or(|t| self.name(t).as_deref() == Some("Function"))
            {
                if let Some((Alias::Function, how)) = self.callee_alias(target) {
                    return Some((Alias::Function, how));
                }
            }
        }
        None
    }

    fn call_like(&mut self, span: u32, callee: &Expression<'a>, args: &[Argument<'a>], is_new: bool) {
        let arg = |i: usize| args.get(i).and_then(|a| a.as_expression());
        if let Some((alias, how)) = self.callee_alias(callee) {
            let msg = match (alias, how) {
                (Alias::Eval, "eval") if !is_new => "eval() call".to_owned(),
                (Alias::Eval, how) => format!("indirect eval call through {how}"),
                (Alias::Function, "Function") => format!("{}Function(...) constructs code from a string", if is_new { "new " } else { "" }),
                (Alias::Function, how) => format!("the Function constructor, called through {how}"),
            };
            self.report(rules::NO_EVAL, Severity::Error, callee.span().start, msg, None);
            // The name inside `(0, eval)` is the same finding.
            if let Expression::SequenceExpression(s) = callee.without_parentheses() {
                if let Some(last) = s.expressions.last() {
                    self.seen.insert((rules::NO_EVAL.name, last.span().start));
                }
            }
            return;
        }
        // window[x](...): a computed global the checker cannot name may be eval.
        if let Some(Text::Prefix(_) | Text::SomeString | Text::Unknown) = self.global_property(callee) {
            if matches!(callee.without_parentheses(), Expression::ComputedMemberExpression(_)) {
                self.report(
                    rules::NO_EVAL,
                    Severity::Warning,
                    callee.span().start,
                    "call through a computed property of the global object; it may reach eval or Function".into(),
                    None,
                );
            }
        }
        for timer in ["setTimeout", "setInterval"] {
            if !is_new && self.is_global_named(callee, timer) {
                if let Some(a) = arg(0) {
                    if self.text(a).is_string() {
                        self.report(
                            rules::NO_EVAL,
                            Severity::Error,
                            a.span().start,
                            format!("{timer} with a string evaluates it as code"),
                            None,
                        );
                    }
                }
            }
        }
        let member = callee.without_parentheses().as_member_expression();
        let method = member.and_then(|m| self.name(m));
        let method = method.as_deref();
        // document.createElement('iframe')
        if let Some(m @ ("createElement" | "createElementNS")) = method {
            let tag = arg(if m == "createElement" { 0 } else { 1 }).map(|a| self.text(a));
            if let Some(Text::Known(tag)) = tag {
                let tag = tag.to_ascii_lowercase();
                if matches!(tag.as_str(), "iframe" | "frame" | "object" | "embed") {
                    self.report(rules::NO_IFRAMES, Severity::Error, span, format!("{m}('{tag}')"), None);
                }
            }
        }
        if let Some(m @ ("insertAdjacentHTML" | "write" | "writeln")) = method {
            let html = arg(if m == "insertAdjacentHTML" { 1 } else { 0 });
            if let Some(h) = html {
                if has_iframe_markup(h) {
                    self.report(
                        rules::NO_IFRAMES,
                        Severity::Error,
                        h.span().start,
                        format!("{m} with <iframe> markup"),
                        None,
                    );
                }
            }
        }
        // Requests.
        let url = if is_new {
            ["WebSocket", "EventSource"]
                .into_iter()
                .find(|n| self.is_global_named(callee, n))
                .and_then(|_| arg(0))
        } else if self.is_global_named(callee, "fetch")
            || (method == Some("sendBeacon") && member.is_some_and(|m| self.is_navigator(m.object())))
        {
            arg(0)
        } else if method == Some("open")
            && arg(0).and_then(|a| {
                self.text(a)
                    .known()
                    .map(|m| HTTP_METHODS.contains(&m.to_ascii_uppercase().as_str()))
            }) == Some(true)
        {
            arg(1)
        } else {
            None
        };
        if let Some(u) = url {
            self.request(u);
        }
        // The audit.
        if let Some(m) = member {
            let on_sdk = self.is_global_named(m.object(), "TTMinis")
                || m.object()
                    .without_parentheses()
                    .as_member_expression()
                    .is_some_and(|g| self.is_global_named(g.object(), "TTMinis"));
            match method {
                Some("login") if on_sdk => self.uses.login = true,
                Some("createRewardedVideoAd") => self.uses.rewarded_ad = true,
                Some("setNavigationBarColor") if on_sdk => self.uses.navbar_call = true,
                _ => {}
            }
        }
    }

    fn is_navigator(&self, e: &Expression) -> bool {
        self.is_global_named(e, "navigator")
    }

    fn request(&mut self, url_expr: &Expression) {
        let (url, exact) = match self.text(url_expr) {
            Text::Known(u) => (u, true),
            Text::Prefix(p) => (p, false),
            _ => return,
        };
        let trimmed = url.trim();
        let absolute = if let Some(rest) = trimmed.strip_prefix("//") {
            format!("https://{rest}")
        } else {
            trimmed.to_owned()
        };
        let lower = absolute.to_ascii_lowercase();
        if !["http://", "https://", "ws://", "wss://"].iter().any(|s| lower.starts_with(s)) {
            return;
        }
        // A prefix names the origin only once the authority has ended.
        let after_scheme = absolute.find("://").map_or(0, |i| i + 3);
        let candidate = if exact {
            absolute.clone()
        } else {
            match absolute[after_scheme..].find(['/', '?', '#']) {
                Some(end) => absolute[..after_scheme + end].to_owned() + "/",
                None => return,
            }
        };
        if !self.opts.trusted.allows(&candidate) {
            let hint = rules::hint(&rules::TRUSTED_DOMAINS, &candidate, self.opts.has_domain_section);
            let shown = minihost_core::config::excerpt(&url).into_owned();
            self.report(
                rules::TRUSTED_DOMAINS,
                Severity::Error,
                url_expr.span().start,
                format!("request to {shown} is outside domain.trustedDomains"),
                Some(hint),
            );
        }
    }
}

/// Whether the string parts of an HTML sink's value contain `<iframe`.
fn has_iframe_markup(e: &Expression) -> bool {
    match e {
        Expression::StringLiteral(s) => s.value.to_ascii_lowercase().contains("<iframe"),
        Expression::TemplateLiteral(t) => {
            t.quasis.iter().any(|q| q.value.raw.to_ascii_lowercase().contains("<iframe")) || t.expressions.iter().any(has_iframe_markup)
        }
        Expression::BinaryExpression(b) => has_iframe_markup(&b.left) || has_iframe_markup(&b.right),
        Expression::ParenthesizedExpression(p) => has_iframe_markup(&p.expression),
        Expression::ConditionalExpression(c) => has_iframe_markup(&c.consequent) || has_iframe_markup(&c.alternate),
        _ => false,
    }
}

impl<'a> Visit<'a> for Checker<'_, '_> {
    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (BindingPattern::BindingIdentifier(b), Some(init)) = (&it.id, &it.init) {
            if let Some(s) = b.symbol_id.get() {
                let t = self.text(init);
                if t.is_string() {
                    self.strings.insert(s, t);
                }
                if let Some((alias, _)) = self.callee_alias(init) {
                    self.aliases.insert(s, alias);
                }
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.call_like(it.span.start, &it.callee, &it.arguments, false);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.call_like(it.span.start, &it.callee, &it.arguments, true);
        walk::walk_new_expression(self, it);
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        // `typeof eval` is feature detection, not a use.
        if it.operator == UnaryOperator::Typeof {
            if let Expression::Identifier(id) = it.argument.without_parentheses() {
                self.seen.insert((rules::NO_EVAL.name, id.span.start));
            }
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if it.name == "eval" && self.symbol(it).is_none() {
            self.report(
                rules::NO_EVAL,
                Severity::Error,
                it.span.start,
                "reference to eval (an indirect eval when called)".into(),
                None,
            );
        }
    }

    fn visit_member_expression(&mut self, it: &MemberExpression<'a>) {
        let prop = self.name(it);
        if prop.as_deref() == Some("eval") && self.is_global_object(it.object()) {
            let computed =
                matches!(it, MemberExpression::ComputedMemberExpression(c) if !matches!(c.expression, Expression::StringLiteral(_)));
            let how = if computed {
                "eval reached through a computed property of the global object"
            } else {
                "eval on the global object"
            };
            self.report(rules::NO_EVAL, Severity::Error, it.span().start, how.into(), None);
        }
        if let Some(p @ ("clipboard" | "geolocation" | "vibrate")) = prop.as_deref() {
            if self.is_navigator(it.object()) {
                self.report(
                    rules::BLOCKED_APIS,
                    Severity::Error,
                    it.span().start,
                    format!("navigator.{p} is not available to TikTok Minis"),
                    None,
                );
            }
        }
        walk::walk_member_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let Some(m) = it.left.as_member_expression() {
            if let Some(p @ ("innerHTML" | "outerHTML" | "srcdoc")) = self.name(m).as_deref() {
                if has_iframe_markup(&it.right) {
                    self.report(
                        rules::NO_IFRAMES,
                        Severity::Error,
                        it.right.span().start,
                        format!("{p} with <iframe> markup"),
                        None,
                    );
                }
            }
        }
        walk::walk_assignment_expression(self, it);
    }
}
