//! A write an operation prepared, run by its caller either blocking ([`Commit::wait`]: the core
//! in process, the CLI) or awaited (the HTTP handlers, which must not block a runtime worker),
//! so that each operation is written once for both.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use rusqlite::Connection;

use super::{Platform, PlatformError};

/// A prepared write to the platform's database. Nothing is written until it is waited for or
/// awaited; either answers once the write's batch is committed.
#[must_use = "a write does nothing until it is waited for or awaited"]
pub struct Commit<T, E = PlatformError> {
    platform: Platform,
    step: Step<T, E>,
    /// The job may queue a webhook delivery: wake the delivery worker once it is committed.
    wakes_webhooks: bool,
}

type Job<T, E> = Box<dyn FnOnce(&mut Connection) -> Result<T, E> + Send>;

enum Step<T, E> {
    /// Answered without a write: refused inputs, or what a read found.
    Done(Result<T, E>),
    /// Runs on the writer thread inside its batch's transaction; use savepoints for atomicity.
    Write(Job<T, E>),
}

impl Platform {
    /// A commit of `job`.
    pub(crate) fn write<T, E>(&self, job: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static) -> Commit<T, E> {
        self.commit(Step::Write(Box::new(job)))
    }

    /// The commit `prepare` returns, or its error answered without a write: `prepare` checks
    /// the inputs (with `?`) before it builds the job.
    pub(crate) fn prepare<T, E>(&self, prepare: impl FnOnce() -> Result<Commit<T, E>, E>) -> Commit<T, E> {
        prepare().unwrap_or_else(|e| self.answer(Err(e)))
    }

    /// An answer that needs no write.
    pub(crate) fn answer<T, E>(&self, result: Result<T, E>) -> Commit<T, E> {
        self.commit(Step::Done(result))
    }

    fn commit<T, E>(&self, step: Step<T, E>) -> Commit<T, E> {
        Commit {
            platform: self.clone(),
            step,
            wakes_webhooks: false,
        }
    }
}

impl<T, E> Commit<T, E>
where
    T: Send + 'static,
    E: From<rusqlite::Error> + Send + 'static,
{
    /// Wakes the webhook delivery worker once the write is committed.
    pub(crate) fn waking_webhooks(self) -> Self {
        Commit {
            wakes_webhooks: true,
            ..self
        }
    }

    /// The same write answering `f` of its value. `f` runs on the writer thread: keep it cheap.
    pub fn map<U: Send + 'static>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Commit<U, E> {
        let step = match self.step {
            Step::Done(result) => Step::Done(result.map(f)),
            Step::Write(job) => Step::Write(Box::new(move |conn| job(conn).map(f))),
        };
        Commit {
            platform: self.platform,
            step,
            wakes_webhooks: self.wakes_webhooks,
        }
    }

    /// Runs the write and blocks until its batch is committed.
    pub fn wait(self) -> Result<T, E> {
        let result = match self.step {
            Step::Done(result) => return result,
            Step::Write(job) => self.platform.inner.store.write(job),
        };
        committed(&self.platform, self.wakes_webhooks, result)
    }
}

fn committed<T, E>(platform: &Platform, wakes_webhooks: bool, result: Result<T, E>) -> Result<T, E> {
    if wakes_webhooks && result.is_ok() {
        platform.wake_webhooks();
    }
    result
}

/// Awaiting a commit waits for its batch without blocking the runtime's threads, which is what
/// lets concurrent requests share a commit.
impl<T, E> IntoFuture for Commit<T, E>
where
    T: Send + 'static,
    E: From<rusqlite::Error> + Send + 'static,
{
    type Output = Result<T, E>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let result = match self.step {
                Step::Done(result) => return result,
                Step::Write(job) => self.platform.inner.store.write_async(job).await,
            };
            committed(&self.platform, self.wakes_webhooks, result)
        })
    }
}
