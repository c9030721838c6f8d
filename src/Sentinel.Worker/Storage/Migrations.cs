using System.Reflection;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Applies the numbered SQL files of <c>migrations/</c> (embedded in the executable) with DbUp, which keeps
/// the applied names in <c>schema_migrations</c> and runs each file in its own transaction. A session-level
/// advisory lock serialises nodes that start together: the second waits, then finds nothing left to apply.
/// </summary>
internal sealed class Migrations(DatabaseConnection database, ILogger<Migrations> log)
{
    /// <summary>The advisory lock key, "SNTL" in ASCII; any constant all nodes agree on would do.</summary>
    private const long LockKey = 0x534E544C;

    private static readonly SqlScript[] Scripts = LoadScripts();

    /// <summary>The name of the newest migration.</summary>
    public static string Latest => Scripts[^1].Name;

    /// <summary>All migration names in the order they apply.</summary>
    public static IReadOnlyList<string> Names => Scripts.Select(s => s.Name).ToArray();

    /// <summary>
    /// Applies every migration not yet applied (up to and including <paramref name="upTo"/> when given, for tests of an
    /// upgrade from an older schema); returns the names applied now.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken, string? upTo = null)
    {
        await using var lockConnection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", lockConnection))
        {
            acquire.Parameters.AddWithValue(LockKey);
            await acquire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var upgrader = DeployChanges.To
                // Not the data source's connection string: Npgsql strips the password from it.
                .PostgresqlDatabase(database.ConnectionString)
                .WithScripts(upTo is null ? Scripts : Scripts.Where(s => string.CompareOrdinal(s.Name, upTo) <= 0))
                .JournalToPostgresqlTable("public", "schema_migrations")
                .WithTransactionPerScript()
                .LogTo(new DbUpLog(log))
                .Build();

            // DbUp is synchronous; keep it off the caller's thread.
            var result = await Task.Run(upgrader.PerformUpgrade, cancellationToken).ConfigureAwait(false);
            if (!result.Successful)
            {
                throw new MigrationException(result.ErrorScript?.Name ?? "?", result.Error);
            }

            foreach (var script in result.Scripts)
            {
                Log.MigrationApplied(log, script.Name);
            }

            Log.MigrationsUpToDate(log, Latest);
            return result.Scripts.Select(s => s.Name).ToArray();
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConnection);
            release.Parameters.AddWithValue(LockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the newest migration has been applied.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_migrations') " +
            "AND EXISTS (SELECT 1 FROM schema_migrations WHERE scriptname = $1)");
        command.Parameters.AddWithValue(Latest);
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private static SqlScript[] LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return new SqlScript(name["migrations/".Length..], reader.ReadToEnd());
            })
            .ToArray();
    }

    /// <summary>DbUp's progress lines, at debug level: Sentinel logs what was applied itself.</summary>
    private sealed class DbUpLog(ILogger log) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => LogDebug(format, args);

        public void LogDebug(string format, params object[] args)
        {
            if (log.IsEnabled(LogLevel.Debug))
            {
#pragma warning disable CA1848, CA2254 // DbUp hands over composite format strings.
                log.LogDebug(format, args);
#pragma warning restore CA1848, CA2254
            }
        }

        public void LogInformation(string format, params object[] args) => LogDebug(format, args);

        public void LogWarning(string format, params object[] args) => LogDebug(format, args);

        public void LogError(string format, params object[] args) => LogDebug(format, args);

        public void LogError(Exception ex, string format, params object[] args) => LogDebug(format, args);
    }
}

/// <summary>A migration failed; the message names the script and PostgreSQL's reason.</summary>
internal sealed class MigrationException(string script, Exception? inner)
    : Exception($"migration {script} failed: {inner?.Message}", inner);
