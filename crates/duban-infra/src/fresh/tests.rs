use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::{sync::oneshot, task::JoinHandle};

use super::SharedRead;

type Shared = Arc<SharedRead<u64>>;

/// Starts a caller whose read waits for `release` and answers `answer`; returns
/// once that read has begun.
async fn held_read(
    shared: &Shared,
    answer: Result<u64, &'static str>,
) -> (oneshot::Sender<()>, JoinHandle<Result<u64, &'static str>>) {
    let (release, released) = oneshot::channel::<()>();
    let (began, has_begun) = oneshot::channel::<()>();
    let shared = Arc::clone(shared);
    let caller = tokio::spawn(async move {
        shared
            .get(|| async move {
                let _ = began.send(());
                let _ = released.await;
                answer
            })
            .await
    });
    has_begun.await.expect("the held read began");
    (release, caller)
}

/// Starts a caller whose read counts itself in `reads` and answers `answer`.
fn counted_read(
    shared: &Shared,
    reads: &Arc<AtomicU64>,
    answer: u64,
) -> JoinHandle<Result<u64, &'static str>> {
    let shared = Arc::clone(shared);
    let reads = Arc::clone(reads);
    tokio::spawn(async move {
        shared
            .get(|| async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(answer)
            })
            .await
    })
}

/// Lets every spawned task run until it waits (the runtime has one thread).
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_caller_never_takes_a_read_that_began_before_it_asked() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    let (release, first) = held_read(&shared, Ok(1)).await;
    let second = counted_read(&shared, &reads, 2);
    settle().await;
    assert_eq!(reads.load(Ordering::SeqCst), 0, "one read at a time");
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Ok(1));
    assert_eq!(second.await.unwrap(), Ok(2), "the second caller read again");
    assert_eq!(reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn callers_waiting_together_share_the_next_read() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    let (release, first) = held_read(&shared, Ok(1)).await;
    let waiting: Vec<_> = (0..5).map(|_| counted_read(&shared, &reads, 7)).collect();
    settle().await;
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Ok(1));
    for caller in waiting {
        assert_eq!(caller.await.unwrap(), Ok(7));
    }
    assert_eq!(reads.load(Ordering::SeqCst), 1, "one read served all five");
}

#[tokio::test]
async fn callers_one_after_another_each_read() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    for answer in 1..=3 {
        let caller = counted_read(&shared, &reads, answer);
        assert_eq!(caller.await.unwrap(), Ok(answer));
    }
    assert_eq!(reads.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_failed_read_fails_its_own_caller_only() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    let (release, first) = held_read(&shared, Err("connection lost")).await;
    let second = counted_read(&shared, &reads, 5);
    settle().await;
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Err("connection lost"));
    assert_eq!(second.await.unwrap(), Ok(5));
}

#[tokio::test]
async fn a_caller_dropped_mid_read_hands_over_to_the_waiters() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    let (_release, first) = held_read(&shared, Ok(1)).await;
    let second = counted_read(&shared, &reads, 9);
    settle().await;
    first.abort();
    assert_eq!(second.await.unwrap(), Ok(9));
    assert_eq!(reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_ticket_is_answered_by_any_read_begun_after_it_was_taken() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    let (release, first) = held_read(&shared, Ok(1)).await;
    // Taken while the first read is under way: that read cannot answer it.
    let during = shared.ticket();
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Ok(1));
    let count = |answer: u64| {
        let reads = Arc::clone(&reads);
        move || async move {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<u64, &'static str>(answer)
        }
    };
    assert_eq!(shared.get_since(during, count(2)).await, Ok(2));
    // The read it made began after the ticket: it answers the same ticket
    // again, and a ticket taken before it, without another read.
    assert_eq!(shared.get_since(during, count(3)).await, Ok(2));
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    let later = shared.ticket();
    assert_eq!(shared.get_since(later, count(4)).await, Ok(4));
    assert_eq!(shared.get_since(during, count(5)).await, Ok(4));
    assert_eq!(reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn callers_arriving_in_one_burst_share_one_read() {
    let shared = Shared::default();
    let reads = Arc::new(AtomicU64::new(0));
    // Spawned together, as a burst of requests from one HTTP/2 read is: the
    // first holds its read back until the others have asked, and they join
    // it, as it has not begun.
    let burst: Vec<_> = (0..4).map(|_| counted_read(&shared, &reads, 3)).collect();
    for caller in burst {
        assert_eq!(caller.await.unwrap(), Ok(3));
    }
    assert_eq!(reads.load(Ordering::SeqCst), 1, "one read for the burst");
    // A caller after the burst reads again.
    assert_eq!(counted_read(&shared, &reads, 4).await.unwrap(), Ok(4));
    assert_eq!(reads.load(Ordering::SeqCst), 2);
}
