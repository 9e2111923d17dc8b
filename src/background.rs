//! Work a build does not wait for.

/// Drops `value` on another thread: freeing a whole catalog takes
/// milliseconds that a `serve` rebuild should not wait for. The thread
/// lives as long as the process (see `serve::search_worker` for why not
/// one thread per call).
pub fn drop_later<T: Send + 'static>(value: T) {
    type Garbage = Box<dyn Send>;
    static DROPPER: std::sync::OnceLock<std::sync::mpsc::Sender<Garbage>> =
        std::sync::OnceLock::new();
    let dropper = DROPPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Garbage>();
        std::thread::spawn(move || rx.into_iter().for_each(drop));
        tx
    });
    // The thread never ends, so sending cannot fail; if it did, the value
    // would be dropped here, which is only slower.
    let _ = dropper.send(Box::new(value));
}
