using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The daemon's host owns its database. The embedded cluster starts as the host starts, in the starting phase that
/// precedes every hosted service's start (so before the HTTP endpoints, the migrations, the file sync and the
/// scheduler), and stops in the stopped phase that follows every hosted service's stop (so after the result writer
/// has flushed the last results). A configured server is left alone.
/// </summary>
internal sealed class DatabaseLifetime(DatabaseConnection database, ILogger<EmbeddedPostgres> log) : IHostedLifecycleService, IAsyncDisposable
{
    public Task StartingAsync(CancellationToken cancellationToken) => database.StartAsync(log, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => database.StopAsync().AsTask();

    /// <summary>A host that failed to start is disposed without stopping: the cluster must not outlive it.</summary>
    public ValueTask DisposeAsync() => database.DisposeAsync();
}
