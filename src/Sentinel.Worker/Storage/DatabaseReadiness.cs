using Npgsql;
using Sentinel.Api.Endpoints;

namespace Sentinel.Worker.Storage;

/// <summary>
/// <c>/readyz</c>: the database answers, the schema is up to date, and results can be written (while they cannot,
/// they go to the spill file and the node says so, with since when and how many wait).
/// </summary>
internal sealed class DatabaseReadiness(NpgsqlDataSource dataSource, DatabaseState state, ResultStorageState results, TimeProvider time) : IReadinessProbe
{
    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        if (!state.Ready.IsCompleted)
        {
            return new Readiness(false, state.LastError is { } error ? $"database not ready: {error}" : "applying migrations");
        }

        if (results.Describe() is { } notWriting)
        {
            return new Readiness(false, notWriting);
        }

        try
        {
            using var timer = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            var spilled = results.Spilled;
            return new Readiness(true, spilled > 0
                ? $"database reachable, schema at {Migrations.Latest}; writing {spilled:N0} spilled results"
                : $"database reachable, schema at {Migrations.Latest}");
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new Readiness(false, $"database unreachable: {ex.Message}");
        }
    }
}
