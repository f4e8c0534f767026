//! The crate's public API, listed from its source and compared with the checked-in
//! `core/api.txt`, so that every change to it is deliberate.
//!
//! The listing is made by parsing the crate with `syn`: from `src/lib.rs`, every module that
//! is compiled outside tests (public or not: public types live in private modules and are
//! re-exported), and in each every `pub` item with its signature — functions, types with
//! their public fields and variants, traits with their items, constants, statics, public
//! methods of inherent impls, the traits each type implements, and every `pub use`.
//! `pub(crate)` and `#[cfg(test)]` items are not part of it.
//!
//! After a deliberate change, regenerate the file with
//! `DASHLITE_BLESS_API=1 cargo test -p dashlite --test public_api`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quote::ToTokens;

const BLESS: &str = "DASHLITE_BLESS_API";

fn tokens(t: &impl ToTokens) -> String {
    // One space between tokens, none before punctuation that reads better attached.
    let s = t.to_token_stream().to_string();
    s.replace(" ,", ",").replace(" ;", ";").replace(" :: ", "::").replace("& ", "&")
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let s = tokens(&a.meta);
            s.contains("test") && !s.contains("not (test")
        }
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

struct Walker {
    out: BTreeSet<String>,
}

impl Walker {
    /// `items` of module `module`, whose own child modules are files under `dir`.
    fn items(&mut self, module: &str, dir: &Path, items: &[syn::Item]) {
        for item in items {
            self.item(module, dir, item);
        }
    }

    fn item(&mut self, module: &str, dir: &Path, item: &syn::Item) {
        use syn::Item;
        let at = |name: &dyn std::fmt::Display| format!("{module}::{name}");
        match item {
            Item::Mod(m) if !is_test_only(&m.attrs) => {
                let name = m.ident.to_string();
                let path = at(&name);
                if is_pub(&m.vis) {
                    self.out.insert(format!("mod {path}"));
                }
                let child_dir = dir.join(&name);
                match &m.content {
                    Some((_, items)) => self.items(&path, &child_dir, items),
                    None => {
                        let file = match path_attr(&m.attrs) {
                            Some(p) => dir.join(p),
                            None if dir.join(format!("{name}.rs")).exists() => {
                                dir.join(format!("{name}.rs"))
                            }
                            None => child_dir.join("mod.rs"),
                        };
                        self.file(&path, &child_dir, &file);
                    }
                }
            }
            Item::Fn(f) if is_pub(&f.vis) && !is_test_only(&f.attrs) => {
                self.out.insert(format!("fn {} {}", at(&f.sig.ident), tokens(&f.sig)));
            }
            Item::Struct(s) if is_pub(&s.vis) && !is_test_only(&s.attrs) => {
                let path = at(&s.ident);
                self.out.insert(format!("struct {path}{}", tokens(&s.generics)));
                for (i, f) in s.fields.iter().enumerate() {
                    if is_pub(&f.vis) {
                        let name = f.ident.as_ref().map_or(i.to_string(), |n| n.to_string());
                        self.out.insert(format!("field {path}.{name}: {}", tokens(&f.ty)));
                    }
                }
                self.derives(&path, &s.attrs);
            }
            Item::Enum(e) if is_pub(&e.vis) && !is_test_only(&e.attrs) => {
                let path = at(&e.ident);
                self.out.insert(format!("enum {path}{}", tokens(&e.generics)));
                for v in &e.variants {
                    self.out.insert(format!("variant {path}::{} {}", v.ident, tokens(&v.fields)));
                }
                self.derives(&path, &e.attrs);
            }
            Item::Trait(t) if is_pub(&t.vis) && !is_test_only(&t.attrs) => {
                let path = at(&t.ident);
                self.out.insert(format!(
                    "trait {path}{}: {}",
                    tokens(&t.generics),
                    tokens(&t.supertraits)
                ));
                for ti in &t.items {
                    let line = match ti {
                        syn::TraitItem::Fn(f) => format!("fn {}", tokens(&f.sig)),
                        syn::TraitItem::Type(ty) => format!("type {}", ty.ident),
                        syn::TraitItem::Const(c) => format!("const {}: {}", c.ident, tokens(&c.ty)),
                        _ => continue,
                    };
                    self.out.insert(format!("trait-item {path}::{line}"));
                }
            }
            Item::Const(c) if is_pub(&c.vis) && !is_test_only(&c.attrs) => {
                self.out.insert(format!("const {}: {}", at(&c.ident), tokens(&c.ty)));
            }
            Item::Static(s) if is_pub(&s.vis) && !is_test_only(&s.attrs) => {
                self.out.insert(format!("static {}: {}", at(&s.ident), tokens(&s.ty)));
            }
            Item::Type(t) if is_pub(&t.vis) && !is_test_only(&t.attrs) => {
                self.out.insert(format!("type {} = {}", at(&t.ident), tokens(&t.ty)));
            }
            Item::Use(u) if is_pub(&u.vis) && !is_test_only(&u.attrs) => {
                self.out.insert(format!("use {module}: {}", tokens(&u.tree)));
            }
            Item::Impl(i) if !is_test_only(&i.attrs) => {
                let ty = tokens(&i.self_ty);
                match &i.trait_ {
                    Some((bang, trait_path, _)) => {
                        let not = if bang.is_some() { "!" } else { "" };
                        self.out
                            .insert(format!("impl {module}: {not}{} for {ty}", tokens(trait_path)));
                    }
                    None => {
                        for ii in &i.items {
                            match ii {
                                syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                                    self.out.insert(format!(
                                        "method {module}::{ty}::{} {}",
                                        f.sig.ident,
                                        tokens(&f.sig)
                                    ));
                                }
                                syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                                    self.out.insert(format!(
                                        "const {module}::{ty}::{}: {}",
                                        c.ident,
                                        tokens(&c.ty)
                                    ));
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            Item::Macro(m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
                if let Some(name) = &m.ident {
                    self.out.insert(format!("macro {name}"));
                }
            }
            _ => {}
        }
    }

    fn derives(&mut self, path: &str, attrs: &[syn::Attribute]) {
        for a in attrs {
            if a.path().is_ident("derive") {
                self.out.insert(format!("derive {path}: {}", tokens(&a.meta)));
            }
        }
    }

    fn file(&mut self, module: &str, dir: &Path, file: &Path) {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{}: {e} (module {module})", file.display()));
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.items(module, dir, &parsed.items);
    }
}

fn listing() -> String {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut w = Walker { out: BTreeSet::new() };
    w.file("dashlite", &src, &src.join("lib.rs"));
    let mut text = String::new();
    for line in &w.out {
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[test]
fn the_public_api_is_the_checked_in_listing() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("api.txt");
    let now = listing();
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&file, &now).expect("write api.txt");
        return;
    }
    let Ok(stored) = std::fs::read_to_string(&file) else {
        panic!(
            "{} is missing: create it with {BLESS}=1 cargo test -p dashlite --test public_api",
            file.display()
        );
    };
    if stored == now {
        return;
    }
    let old: BTreeSet<&str> = stored.lines().collect();
    let new: BTreeSet<&str> = now.lines().collect();
    let mut diff = String::new();
    for l in old.difference(&new) {
        diff.push_str(&format!("- {l}\n"));
    }
    for l in new.difference(&old) {
        diff.push_str(&format!("+ {l}\n"));
    }
    panic!(
        "the public API differs from core/api.txt (- listed, + in the code):\n{diff}\n\
         If the change is deliberate: {BLESS}=1 cargo test -p dashlite --test public_api"
    );
}

#[test]
fn the_listing_sees_items_methods_and_reexports() {
    let now = listing();
    for want in [
        "mod dashlite::client",
        "use dashlite::client: builder::{",
        "method dashlite::client::background::Client::sync_for ",
        "variant dashlite::client::error::StopReason::Requested",
        "field dashlite::client::event::SyncStatus.header_height: u32",
    ] {
        assert!(now.lines().any(|l| l.starts_with(want)), "no line starting {want:?}");
    }
    // Crate-private items are not listed.
    assert!(!now.contains("dashlite::p2p::peer::State"), "p2p::peer::State is pub(crate)");
    assert!(!now.contains("score_mut"), "Peer::score_mut is pub(crate)");
}

#[test]
fn the_crate_docs_list_every_public_module() {
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("read core/src/lib.rs");
    let file = syn::parse_file(&text).expect("parse core/src/lib.rs");
    let docs: String = file
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .map(|a| tokens(&a.meta))
        .collect::<Vec<_>>()
        .join("\n");
    let hidden = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|a| a.path().is_ident("doc") && tokens(&a.meta).contains("hidden"))
    };
    let mut public = Vec::new();
    for item in &file.items {
        if let syn::Item::Mod(m) = item {
            if is_pub(&m.vis) && !hidden(&m.attrs) {
                public.push(m.ident.to_string());
            }
        }
    }
    assert!(public.len() > 10, "only {public:?} found as public modules of lib.rs");
    let missing: Vec<_> =
        public.iter().filter(|m| !docs.contains(&format!("* [`{m}`]: "))).collect();
    assert!(
        missing.is_empty(),
        "the crate docs in lib.rs have no `* [`m`]: ...` line for {missing:?}"
    );
}
