namespace Sentinel.Worker.Storage;

/// <summary>
/// Whether the database is usable: set once migrations have been applied. Everything that needs the
/// database waits on <see cref="Ready"/>; <c>/readyz</c> reports it.
/// </summary>
internal sealed class DatabaseState
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the schema is up to date.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Why the database is not ready yet, when known.</summary>
    public string? LastError { get; set; }

    public void MarkReady()
    {
        LastError = null;
        _ready.TrySetResult();
    }

    /// <summary>Waits until the database is ready or <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => Ready.WaitAsync(cancellationToken);
}
