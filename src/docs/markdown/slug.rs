//! Heading ids as Python-Markdown's `toc` extension makes them.
