using Npgsql;
using Sentinel.Api.Endpoints;

namespace Sentinel.Worker.Storage;

/// <summary><c>/readyz</c>: the database answers and the schema is up to date.</summary>
internal sealed class DatabaseReadiness(NpgsqlDataSource dataSource, DatabaseState state, TimeProvider time) : IReadinessProbe
{
    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        if (!state.Ready.IsCompleted)
        {
            return new Readiness(false, state.LastError is { } error ? $"database not ready: {error}" : "applying migrations");
        }

        try
        {
            using var timer = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return new Readiness(true, $"database reachable, schema at {Migrations.Latest}");
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new Readiness(false, $"database unreachable: {ex.Message}");
        }
    }
}
