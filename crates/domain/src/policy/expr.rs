//! Rule conditions and amounts: CEL syntax, compiled to a small typed tree.
//!
//! Parsing is done by `cel-parser` (the Common Expression Language grammar, so pack authors
//! write `age >= 80 && tier in ["partial", "disabled"]`). The CEL interpreters evaluate over
//! dynamic maps of values, which is far too slow for millions of person-months, so the parsed
//! tree is type-checked here against the fact catalogue and turned into [`Node`], whose
//! evaluation is a few integer operations. Enum names are resolved to indices at compile time,
//! so a misspelt `"disabld"` is an error when the pack loads, not a silent `false`.

use super::facts::{Fact, FactType};
use cel_parser::ast::{CallExpr, Expr as Cel, IdedExpr};
use cel_parser::reference::Val;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Const(i64),
    Fact(Fact),
    /// A pack parameter, by index; its value depends on the month.
    Param(usize),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<i64>),
    Min(Box<Node>, Box<Node>),
    Max(Box<Node>, Box<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    /// Integer division rounding toward zero (e.g. a share of the minimum wage: `wage * 30 / 100`).
    Div,
}

/// The static type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Int,
    Bool,
    Enum(&'static [&'static str]),
}

impl Type {
    fn name(self) -> String {
        match self {
            Type::Int => "整数".into(),
            Type::Bool => "布尔".into(),
            Type::Enum(values) => format!("取值之一 {values:?}"),
        }
    }
}

/// What names an expression may use besides facts.
pub trait Scope {
    /// The index of a parameter with this name.
    fn param(&self, name: &str) -> Option<usize>;
}

/// Parses and type-checks `src`, which must have type `want`.
pub fn compile(src: &str, want: Type, scope: &dyn Scope) -> Result<Node, String> {
    // antlr4rust (under cel-parser 0.10) panics with `unreachable!` on some incomplete input
    // such as `age >= `, instead of returning a syntax error; contain it. Packs load once, at
    // start-up or on a reviewer's request, so this is not on a hot path.
    let parsed = std::panic::catch_unwind(|| cel_parser::Parser::new().parse(src))
        .map_err(|_| "语法错误：表达式不完整".to_string())?
        .map_err(|e| {
            e.errors
                .iter()
                .map(|e| format!("语法错误（第 {} 列）：{}", e.pos.1, e.msg))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let (node, ty) = Compiler { scope }.expr(&parsed)?;
    if ty != want && !(matches!(want, Type::Int) && matches!(ty, Type::Int)) {
        return Err(format!("表达式应为{}，实为{}", want.name(), ty.name()));
    }
    Ok(node)
}

struct Compiler<'a> {
    scope: &'a dyn Scope,
}

impl Compiler<'_> {
    fn expr(&self, e: &IdedExpr) -> Result<(Node, Type), String> {
        match &e.expr {
            Cel::Literal(Val::Int(i)) => Ok((Node::Const(*i), Type::Int)),
            Cel::Literal(Val::UInt(u)) => Ok((Node::Const(*u as i64), Type::Int)),
            Cel::Literal(Val::Boolean(b)) => Ok((Node::Const(*b as i64), Type::Bool)),
            Cel::Literal(Val::String(s)) => Err(format!("字符串 \"{s}\" 只能与取值型事实比较（== / != / in）")),
            Cel::Literal(Val::Double(_)) => Err("不支持小数：金额以分为整数，比例写成 x * 30 / 100".into()),
            Cel::Literal(_) => Err("不支持的常量".into()),
            Cel::Ident(name) => self.ident(name),
            Cel::Call(call) => self.call(call),
            Cel::List(_) => Err("列表只能出现在 in 的右边".into()),
            _ => Err("不支持的表达式（可用：事实、参数、整数、比较、&&、||、!、+ - * /、? :、in、min、max）".into()),
        }
    }

    fn ident(&self, name: &str) -> Result<(Node, Type), String> {
        if let Some(fact) = Fact::by_name(name) {
            let ty = match fact.ty() {
                FactType::Int => Type::Int,
                FactType::Bool => Type::Bool,
                FactType::Enum(v) => Type::Enum(v),
            };
            return Ok((Node::Fact(fact), ty));
        }
        if let Some(i) = self.scope.param(name) {
            return Ok((Node::Param(i), Type::Int));
        }
        Err(format!("未知的名称 `{name}`：既不是事实也不是本政策包的参数"))
    }

    fn typed(&self, e: &IdedExpr, want: Type) -> Result<Node, String> {
        let (n, ty) = self.expr(e)?;
        if ty != want {
            return Err(format!("此处应为{}，实为{}", want.name(), ty.name()));
        }
        Ok(n)
    }

    fn call(&self, c: &CallExpr) -> Result<(Node, Type), String> {
        use cel_parser::ast::operators as op;
        let a = &c.args;
        let b = Box::new;
        if c.target.is_some() {
            return Err(format!("不支持方法调用 `.{}()`", c.func_name));
        }
        let arity = |n: usize| {
            if a.len() == n {
                Ok(())
            } else {
                Err(format!("`{}` 需要 {n} 个参数", c.func_name))
            }
        };
        match c.func_name.as_str() {
            op::LOGICAL_AND | op::LOGICAL_OR => {
                arity(2)?;
                let (l, r) = (self.typed(&a[0], Type::Bool)?, self.typed(&a[1], Type::Bool)?);
                let n = if c.func_name == op::LOGICAL_AND {
                    Node::And(b(l), b(r))
                } else {
                    Node::Or(b(l), b(r))
                };
                Ok((n, Type::Bool))
            }
            op::LOGICAL_NOT => {
                arity(1)?;
                Ok((Node::Not(b(self.typed(&a[0], Type::Bool)?)), Type::Bool))
            }
            op::NEGATE => {
                arity(1)?;
                Ok((Node::Neg(b(self.typed(&a[0], Type::Int)?)), Type::Int))
            }
            op::EQUALS | op::NOT_EQUALS => {
                arity(2)?;
                let cmp = if c.func_name == op::EQUALS { Cmp::Eq } else { Cmp::Ne };
                let (l, r) = self.comparable(&a[0], &a[1])?;
                Ok((Node::Cmp(cmp, b(l), b(r)), Type::Bool))
            }
            op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS => {
                arity(2)?;
                let cmp = match c.func_name.as_str() {
                    op::LESS => Cmp::Lt,
                    op::LESS_EQUALS => Cmp::Le,
                    op::GREATER => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let (l, r) = (self.typed(&a[0], Type::Int)?, self.typed(&a[1], Type::Int)?);
                Ok((Node::Cmp(cmp, b(l), b(r)), Type::Bool))
            }
            op::ADD | op::SUBSTRACT | op::MULTIPLY | op::DIVIDE => {
                arity(2)?;
                let ar = match c.func_name.as_str() {
                    op::ADD => Arith::Add,
                    op::SUBSTRACT => Arith::Sub,
                    op::MULTIPLY => Arith::Mul,
                    _ => Arith::Div,
                };
                let (l, r) = (self.typed(&a[0], Type::Int)?, self.typed(&a[1], Type::Int)?);
                if ar == Arith::Div && r == Node::Const(0) {
                    return Err("除数为 0".into());
                }
                Ok((Node::Arith(ar, b(l), b(r)), Type::Int))
            }
            op::CONDITIONAL => {
                arity(3)?;
                let cond = self.typed(&a[0], Type::Bool)?;
                let (t, tt) = self.expr(&a[1])?;
                let f = self.typed(&a[2], tt)?;
                Ok((Node::Cond(b(cond), b(t), b(f)), tt))
            }
            op::IN => {
                arity(2)?;
                let (l, ty) = self.expr(&a[0])?;
                let Cel::List(list) = &a[1].expr else {
                    return Err("in 的右边必须是列表常量，如 [\"partial\", \"disabled\"]".into());
                };
                let values = list
                    .elements
                    .iter()
                    .map(|e| self.constant(e, ty))
                    .collect::<Result<_, _>>()?;
                Ok((Node::In(b(l), values), Type::Bool))
            }
            "min" | "max" => {
                arity(2)?;
                let (l, r) = (self.typed(&a[0], Type::Int)?, self.typed(&a[1], Type::Int)?);
                let n = if c.func_name == "min" {
                    Node::Min(b(l), b(r))
                } else {
                    Node::Max(b(l), b(r))
                };
                Ok((n, Type::Int))
            }
            other => Err(format!("不支持的函数或运算 `{other}`")),
        }
    }

    /// Both sides of `==` / `!=`: a string literal takes its meaning from the other side.
    fn comparable(&self, l: &IdedExpr, r: &IdedExpr) -> Result<(Node, Node), String> {
        let is_str = |e: &IdedExpr| matches!(e.expr, Cel::Literal(Val::String(_)));
        if is_str(l) && is_str(r) {
            return Err("两边都是字符串常量".into());
        }
        if is_str(r) {
            let (ln, lt) = self.expr(l)?;
            return Ok((ln, Node::Const(self.constant(r, lt)?)));
        }
        if is_str(l) {
            let (rn, rt) = self.expr(r)?;
            return Ok((Node::Const(self.constant(l, rt)?), rn));
        }
        let (ln, lt) = self.expr(l)?;
        let rn = self.typed(r, lt)?;
        Ok((ln, rn))
    }

    /// A literal of type `ty`: enum names become their index.
    fn constant(&self, e: &IdedExpr, ty: Type) -> Result<i64, String> {
        match (&e.expr, ty) {
            (Cel::Literal(Val::String(s)), Type::Enum(values)) => values
                .iter()
                .position(|v| v == s)
                .map(|i| i as i64)
                .ok_or_else(|| format!("\"{s}\" 不是有效取值，可选：{values:?}")),
            (Cel::Literal(Val::Int(i)), Type::Int) => Ok(*i),
            (Cel::Literal(Val::UInt(u)), Type::Int) => Ok(*u as i64),
            (Cel::Literal(Val::Boolean(v)), Type::Bool) => Ok(*v as i64),
            _ => Err(format!("常量类型不符，应为{}", ty.name())),
        }
    }
}

impl Node {
    /// Evaluates with the facts of one person-month and the parameter values of the month.
    /// Booleans are 0 / 1.
    #[inline]
    pub fn eval(&self, f: &super::facts::Facts, params: &[i64]) -> i64 {
        match self {
            Node::Const(c) => *c,
            Node::Fact(fact) => f.value(*fact),
            Node::Param(i) => params[*i],
            Node::Not(x) => (x.eval(f, params) == 0) as i64,
            Node::And(l, r) => (l.eval(f, params) != 0 && r.eval(f, params) != 0) as i64,
            Node::Or(l, r) => (l.eval(f, params) != 0 || r.eval(f, params) != 0) as i64,
            Node::Cmp(c, l, r) => {
                let (l, r) = (l.eval(f, params), r.eval(f, params));
                (match c {
                    Cmp::Eq => l == r,
                    Cmp::Ne => l != r,
                    Cmp::Lt => l < r,
                    Cmp::Le => l <= r,
                    Cmp::Gt => l > r,
                    Cmp::Ge => l >= r,
                }) as i64
            }
            Node::Arith(a, l, r) => {
                let (l, r) = (l.eval(f, params), r.eval(f, params));
                match a {
                    Arith::Add => l.saturating_add(r),
                    Arith::Sub => l.saturating_sub(r),
                    Arith::Mul => l.saturating_mul(r),
                    Arith::Div => l.checked_div(r).unwrap_or(0),
                }
            }
            Node::Neg(x) => -x.eval(f, params),
            Node::Cond(c, t, e) => {
                if c.eval(f, params) != 0 {
                    t.eval(f, params)
                } else {
                    e.eval(f, params)
                }
            }
            Node::In(x, list) => list.contains(&x.eval(f, params)) as i64,
            Node::Min(l, r) => l.eval(f, params).min(r.eval(f, params)),
            Node::Max(l, r) => l.eval(f, params).max(r.eval(f, params)),
        }
    }

    /// The facts this expression reads.
    pub fn facts(&self, out: &mut BTreeSet<Fact>) {
        self.walk(&mut |n| {
            if let Node::Fact(f) = n {
                out.insert(*f);
            }
        });
    }

    /// The parameters this expression reads.
    pub fn params(&self, out: &mut BTreeSet<usize>) {
        self.walk(&mut |n| {
            if let Node::Param(p) = n {
                out.insert(*p);
            }
        });
    }

    fn walk(&self, visit: &mut dyn FnMut(&Node)) {
        visit(self);
        match self {
            Node::Const(_) | Node::Fact(_) | Node::Param(_) => {}
            Node::Not(x) | Node::Neg(x) | Node::In(x, _) => x.walk(visit),
            Node::And(l, r)
            | Node::Or(l, r)
            | Node::Cmp(_, l, r)
            | Node::Arith(_, l, r)
            | Node::Min(l, r)
            | Node::Max(l, r) => {
                l.walk(visit);
                r.walk(visit);
            }
            Node::Cond(c, t, e) => {
                c.walk(visit);
                t.walk(visit);
                e.walk(visit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::facts::{Facts, Flag};

    struct Params;
    impl Scope for Params {
        fn param(&self, name: &str) -> Option<usize> {
            ["rate", "cap"].iter().position(|p| *p == name)
        }
    }

    fn test(src: &str, f: Facts) -> bool {
        compile(src, Type::Bool, &Params).unwrap().eval(&f, &[7, 100]) != 0
    }

    fn amount(src: &str, f: Facts) -> i64 {
        compile(src, Type::Int, &Params).unwrap().eval(&f, &[7, 100])
    }

    #[test]
    fn conditions_read_facts_and_enum_names() {
        let f = Facts {
            age: 85,
            level: 2,
            ..Facts::default()
        }
        .with(Flag::EconHardship);
        assert!(test("age >= 80 && age <= 89", f));
        assert!(test("tier == \"partial\" && econ_hardship && !tekun", f));
        assert!(!test("tier in [\"disabled\", \"self_care\"]", f));
        assert!(test("capability_level >= 2 && assessed", f));
        assert!(!test("capability_level >= 2", Facts::default()), "unassessed is -1");
    }

    #[test]
    fn amounts_use_params_arithmetic_and_conditionals() {
        let f = Facts {
            age: 92,
            ..Facts::default()
        };
        assert_eq!(amount("age >= 90 ? rate * 2 : rate", f), 14);
        assert_eq!(amount("min(cap, rate * 30 / 100 + 99)", f), 100);
    }

    #[test]
    fn a_misspelt_enum_value_is_an_error_naming_the_choices() {
        let err = compile("tier == \"disabld\"", Type::Bool, &Params).unwrap_err();
        assert!(err.contains("disabld") && err.contains("disabled"), "{err}");
    }

    #[test]
    fn unknown_names_type_errors_and_syntax_errors_are_reported() {
        assert!(compile("agee >= 80", Type::Bool, &Params).unwrap_err().contains("agee"));
        assert!(compile("age && tekun", Type::Bool, &Params)
            .unwrap_err()
            .contains("布尔"));
        assert!(compile("age >= ", Type::Bool, &Params)
            .unwrap_err()
            .contains("语法错误"));
        assert!(compile("age", Type::Bool, &Params).is_err());
        assert!(compile("rate * 0.3", Type::Int, &Params).unwrap_err().contains("小数"));
    }
}
