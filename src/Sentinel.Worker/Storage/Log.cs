using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Storage;

internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Created a PostgreSQL cluster in {DataDirectory}")]
    public static partial void EmbeddedPostgresCreated(ILogger logger, string dataDirectory);

    [LoggerMessage(1002, LogLevel.Information, "Started the embedded PostgreSQL in {DataDirectory} (socket in {SocketDirectory})")]
    public static partial void EmbeddedPostgresStarted(ILogger logger, string dataDirectory, string socketDirectory);

    [LoggerMessage(1003, LogLevel.Warning, "The embedded PostgreSQL in {DataDirectory} was already running; using it")]
    public static partial void EmbeddedPostgresReused(ILogger logger, string dataDirectory);

    [LoggerMessage(1004, LogLevel.Information, "Stopped the embedded PostgreSQL in {DataDirectory}")]
    public static partial void EmbeddedPostgresStopped(ILogger logger, string dataDirectory);

    [LoggerMessage(1005, LogLevel.Warning, "Could not stop the embedded PostgreSQL in {DataDirectory}: {Reason}")]
    public static partial void EmbeddedPostgresStopFailed(ILogger logger, string dataDirectory, string reason);

    [LoggerMessage(1010, LogLevel.Information, "Applied migration {Script}")]
    public static partial void MigrationApplied(ILogger logger, string script);

    [LoggerMessage(1011, LogLevel.Information, "Database schema is up to date ({Latest})")]
    public static partial void MigrationsUpToDate(ILogger logger, string latest);

    [LoggerMessage(1012, LogLevel.Warning, "Database not ready: {Reason}; retrying in {RetrySeconds} s")]
    public static partial void DatabaseNotReady(ILogger logger, string reason, double retrySeconds);

    [LoggerMessage(1020, LogLevel.Warning, "Could not write {Count} results: {Reason}; keeping them and retrying in {RetrySeconds} s")]
    public static partial void ResultWriteFailed(ILogger logger, int count, string reason, double retrySeconds);

    [LoggerMessage(1021, LogLevel.Information, "Wrote {Count} results that had waited for the database")]
    public static partial void ResultWriteRecovered(ILogger logger, int count);

    [LoggerMessage(1023, LogLevel.Error, "PostgreSQL rejected a result of check {Check} ({Reason}); it is not stored, here it is whole: {Result}")]
    public static partial void ResultRejected(ILogger logger, string check, string reason, string result);

    [LoggerMessage(1022, LogLevel.Error, "Stopped with {Count} results not written to the database")]
    public static partial void ResultsUnwritten(ILogger logger, int count);

    [LoggerMessage(1024, LogLevel.Warning, "Dropped {Count} results older than the raw retention (the oldest started at {OldestStartedAt:o}; the oldest day kept is {OldestDayKept:yyyy-MM-dd})")]
    public static partial void ResultsExpired(ILogger logger, int count, DateTimeOffset oldestStartedAt, DateOnly oldestDayKept);

    [LoggerMessage(1040, LogLevel.Debug, "Storage maintenance skipped: another node holds the maintenance lock")]
    public static partial void MaintenanceSkipped(ILogger logger);

    [LoggerMessage(1041, LogLevel.Information, "Created partition {Partition}")]
    public static partial void PartitionCreated(ILogger logger, string partition);

    [LoggerMessage(1042, LogLevel.Information, "Dropped partition {Partition}: past its retention")]
    public static partial void PartitionDropped(ILogger logger, string partition);

    [LoggerMessage(1043, LogLevel.Warning, "Could not drop partition {Partition} now ({Reason}); trying again next round")]
    public static partial void PartitionDropPostponed(ILogger logger, string partition, string reason);

    [LoggerMessage(1044, LogLevel.Information, "Deleted {Count} rows of results_undated that arrived before {Cutoff:o}")]
    public static partial void UndatedDeleted(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(1045, LogLevel.Debug, "Rolled up results ingested from {From:o} to {To:o}: {Minutes} check-minutes and {Hours} settled check-hours, {MinuteRows} minute rows and {HourRows} hour rows changed, in {ElapsedMs:0.#} ms")]
    public static partial void RolledUp(ILogger logger, DateTimeOffset from, DateTimeOffset to, int minutes, int hours, int minuteRows, int hourRows, double elapsedMs);

    [LoggerMessage(1046, LogLevel.Warning, "Storage maintenance failed: {Reason}; trying again next round")]
    public static partial void MaintenanceFailed(ILogger logger, string reason);
}
