//! `#[derive(FromRow)]` for the store's row structs: each named field is read
//! from the column of the same name (`row.try_get("field")`).
//!
//! Written here rather than taken from `sqlx-macros` because that crate's
//! derive depends on `sqlx-macros-core`, which compiles a second, host-side
//! copy of `sqlx-core` and about twenty of its dependencies at the start of
//! every clean build, on the path to everything that uses the database
//! (docs/benchmarks.md, "Build and CI times"). The store needs only the plain
//! by-name mapping, which is what this derive generates; nothing else of
//! sqlx's derive (renames, `try_from`, `flatten`, defaults) is used.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, parse_macro_input};

/// Implements `sqlx::FromRow` for a struct with named fields, for any
/// database whose rows are indexed by column name.
#[proc_macro_derive(FromRow)]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "FromRow is derived for structs with named fields only",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "FromRow is derived for structs with named fields only",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "FromRow is derived for structs without generic parameters only",
        ));
    }
    let name = &input.ident;
    let mut reads = Vec::new();
    let mut bounds = Vec::new();
    for field in &fields.named {
        let Some(ident) = &field.ident else { continue };
        let column = ident.to_string();
        let column = column.strip_prefix("r#").unwrap_or(&column);
        let ty = &field.ty;
        reads.push(quote! { #ident: ::sqlx::Row::try_get(row, #column)? });
        bounds.push(quote! {
            #ty: ::sqlx::Decode<'r, <R as ::sqlx::Row>::Database>
                + ::sqlx::Type<<R as ::sqlx::Row>::Database>
        });
    }
    Ok(quote! {
        impl<'r, R: ::sqlx::Row> ::sqlx::FromRow<'r, R> for #name
        where
            &'r str: ::sqlx::ColumnIndex<R>,
            #(#bounds,)*
        {
            fn from_row(row: &'r R) -> ::std::result::Result<Self, ::sqlx::Error> {
                ::std::result::Result::Ok(Self { #(#reads,)* })
            }
        }
    })
}
