//! CommonMark parsing and the event rewrites of TechDocs' extensions.

use super::preprocess::Preprocessed;
use super::{PageContext, RenderedPage};

pub fn render(pre: &Preprocessed, _cx: &PageContext) -> RenderedPage {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&pre.text));
    RenderedPage { html, ..Default::default() }
}
