//! The HTML document around every page: head, stylesheet, scripts, header and footer.

use leptos::prelude::*;

use crate::assets::AssetUrls;

/// A page ready to be wrapped in the document shell.
pub struct Document {
    pub title: String,
    /// Loads the strength-meter worker (new-password pages only).
    pub meter: bool,
    pub body: AnyView,
}

impl Document {
    pub fn new(title: impl Into<String>, body: impl IntoView + 'static) -> Self {
        Document { title: title.into(), meter: false, body: body.into_any() }
    }

    pub fn with_meter(mut self) -> Self {
        self.meter = true;
        self
    }

    /// The complete HTML document, with the logical (unhashed) asset paths.
    pub fn render(self) -> String {
        self.render_with(&AssetUrls::default())
    }

    /// The complete HTML document, loading the stylesheet and scripts from `assets` (the
    /// content-hashed URLs of `assets.json`, see [`crate::assets`]).
    pub fn render_with(self, assets: &AssetUrls) -> String {
        let Document { title, meter, body } = self;
        let AssetUrls { stylesheet, enhance_js, meter_js } = assets.clone();
        let full_title = format!("{title} · HMIS");
        let html = Owner::new().with(move || {
            view! {
                <html lang="en">
                    <head>
                        <meta charset="utf-8" />
                        <meta name="viewport" content="width=device-width, initial-scale=1" />
                        <meta name="color-scheme" content="light" />
                        <title>{full_title}</title>
                        <link rel="stylesheet" href=stylesheet />
                        <link rel="icon" href="/favicon.ico" />
                        <script src=enhance_js defer></script>
                        {meter.then(|| view! { <link rel="modulepreload" href=meter_js /> })}
                    </head>
                    <body>
                        <a class="skip" href="#main">"Skip to main content"</a>
                        <header class="site-header">
                            <a class="brand" href="/login">"HMIS"<span>" sign-in"</span></a>
                        </header>
                        <main id="main" tabindex="-1">{body}</main>
                        <footer class="site-footer">
                            <p>"Trouble signing in? Contact your Agency Administrator or the HMIS help desk."</p>
                        </footer>
                    </body>
                </html>
            }
            .to_html()
        });
        format!("<!DOCTYPE html>{html}")
    }
}
