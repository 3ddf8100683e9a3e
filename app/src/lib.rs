//! The screens of hmis-access as Leptos components, rendered to HTML on the server.
//!
//! Every page is a plain server-rendered form that works with JavaScript off (RB-23); the only
//! interactive parts are enhancements: the show-password toggle (`public/js/enhance.js`) and the
//! strength meter, a separate wasm module (`frontend`) run in a Web Worker on new-password pages
//! only. So `/login` ships no wasm at all.
//!
//! Must not depend on `service`, sqlx, axum or anything that does I/O: handlers in the server
//! crate build the view data (`pages::*View`) and call `render`.

pub mod assets;
pub mod components;
pub mod pages;
pub mod shell;

pub use assets::AssetUrls;
pub use shell::Document;
