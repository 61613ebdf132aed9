using System.Runtime.CompilerServices;

namespace TaskGraph;

/// <summary>
/// A result being computed on a <see cref="TaskGraphClient"/>'s scheduler (Dask's <c>Future</c>, multiprocessing's
/// <c>AsyncResult</c>). Await it (<c>int r = await future;</c>), read <see cref="Task"/>, or register callbacks. A
/// failed task makes it throw a <see cref="TaskFailedException"/> naming the task's key; <see cref="Cancel"/> stops
/// waiting for it (and the work, when no other future of its batch still needs it).
/// </summary>
/// <typeparam name="T">The result's type.</typeparam>
public sealed class Future<T> : TaskGraphClient.IFutureCore
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskSpec _spec;
    private TaskGraphClient.Batch? _batch;

    internal Future(TaskGraphClient client, TaskSpec spec)
    {
        Client = client;
        _spec = spec;
    }

    /// <summary>The client that computes it.</summary>
    public TaskGraphClient Client { get; }

    /// <summary>The key of the task whose result this is.</summary>
    public TaskKey Key => _spec.Key;

    /// <summary>Completes with the result, faults with a <see cref="TaskFailedException"/>, or is cancelled.</summary>
    public Task<T> Task => _completion.Task;

    /// <summary>Lets <c>await future</c> work.</summary>
    public TaskAwaiter<T> GetAwaiter() => _completion.Task.GetAwaiter();

    /// <summary>Pending, finished, error or cancelled.</summary>
    public FutureStatus Status => Task.Status switch
    {
        TaskStatus.RanToCompletion => FutureStatus.Finished,
        TaskStatus.Faulted => FutureStatus.Error,
        TaskStatus.Canceled => FutureStatus.Cancelled,
        _ => FutureStatus.Pending,
    };

    /// <summary>True once finished, failed or cancelled.</summary>
    public bool IsDone => Task.IsCompleted;

    /// <summary>Waits for the result (blocking); throws the task's <see cref="TaskFailedException"/> or <see cref="TaskCanceledException"/>.</summary>
    public T Result => Task.GetAwaiter().GetResult();

    /// <summary>The failure (a <see cref="TaskFailedException"/> naming the key) once <see cref="Status"/> is <see cref="FutureStatus.Error"/>; else null.</summary>
    public Exception? Exception => Task.Exception?.InnerException;

    /// <summary>
    /// Stops waiting: the future is cancelled now (unless already done), and its computation stops when no other
    /// future computed with it (the same <c>Map</c>) still waits. Returns false when it was already done.
    /// </summary>
    public bool Cancel()
    {
        if (!_completion.TrySetCanceled()) return false;
        _batch?.FutureCancelled();
        return true;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> once the future is done, however it ended (Dask's <c>add_done_callback</c>),
    /// on a thread-pool thread; at once (on such a thread) when it is done already. An exception the callback throws
    /// is ignored, as Dask logs and ignores it: it cannot change the future.
    /// </summary>
    public void AddDoneCallback(Action<Future<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Task.ContinueWith(static (_, s) =>
        {
            var (future, cb) = ((Future<T>, Action<Future<T>>))s!;
            try { cb(future); }
            catch (Exception) { /* a callback's failure belongs to the callback, not to the future */ }
        }, (this, callback), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// Calls <paramref name="onResult"/> with the result, or <paramref name="onError"/> with the failure (a
    /// <see cref="TaskFailedException"/>, or an <see cref="OperationCanceledException"/> when cancelled), like
    /// multiprocessing's <c>apply_async(callback=, error_callback=)</c>.
    /// </summary>
    public void OnCompleted(Action<T> onResult, Action<Exception>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(onResult);
        AddDoneCallback(f =>
        {
            switch (f.Status)
            {
                case FutureStatus.Finished: onResult(f.Task.Result); break;
                case FutureStatus.Error: onError?.Invoke(f.Exception!); break;
                default: onError?.Invoke(new OperationCanceledException($"The future {f.Key} was cancelled.")); break;
            }
        });
    }

    /// <summary>
    /// This future as an input of other tasks: once finished, its result (under its key); before, its task, which a
    /// graph that reads it computes again. Scattered values read the copy the scheduler keeps.
    /// </summary>
    public Delayed<T> ToDelayed() => Delayed.FromSpec<T>(_kept ?? (Task.IsCompletedSuccessfully ? TaskSpec.Literal(Key, Task.Result) : _spec));

    /// <summary>See <see cref="ToDelayed"/>.</summary>
    public static implicit operator Delayed<T>(Future<T> future) => future.ToDelayed();

    /// <summary>The task a scattered value's readers use (the scheduler's kept copy).</summary>
    private TaskSpec? _kept;

    internal void Keep(TaskSpec kept, T value)
    {
        _kept = kept;
        _completion.TrySetResult(value);
    }

    TaskSpec TaskGraphClient.IFutureCore.Spec => _spec;

    void TaskGraphClient.IFutureCore.Attach(TaskGraphClient.Batch batch) => _batch = batch;

    void TaskGraphClient.IFutureCore.SetResult(object? value)
    {
        _completion.TrySetResult((T)value!);
    }

    void TaskGraphClient.IFutureCore.SetError(Exception error)
    {
        _completion.TrySetException(error);
    }

    void TaskGraphClient.IFutureCore.SetCanceled() => Cancel();

    /// <inheritdoc />
    public override string ToString() => $"Future<{typeof(T).Name}>({Key}, {Status.ToString().ToLowerInvariant()})";
}
