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

    [LoggerMessage(1020, LogLevel.Warning, "Could not write {Count} spilled results: {Reason}; keeping them in the spill file and retrying in {RetrySeconds} s")]
    public static partial void ReplayWaiting(ILogger logger, long count, string reason, double retrySeconds);

    [LoggerMessage(1021, LogLevel.Information, "Wrote {Count} results that had waited in the spill file; writing directly to PostgreSQL again")]
    public static partial void SpillReplayed(ILogger logger, long count);

    [LoggerMessage(1022, LogLevel.Warning, "Stopped with {Count} results not written to the database; they wait in the spill file in {Directory} and are written at the next start")]
    public static partial void ResultsSpilledOnStop(ILogger logger, long count, string directory);

    [LoggerMessage(1023, LogLevel.Error, "PostgreSQL rejected a result of check {Check} ({Reason}); it is not stored, here it is whole: {Result}")]
    public static partial void ResultRejected(ILogger logger, string check, string reason, string result);

    [LoggerMessage(1024, LogLevel.Warning, "PostgreSQL cannot take results ({Reason}); these {Count} and the ones after them go to the spill file in {Directory} until it is back")]
    public static partial void ResultsSpilling(ILogger logger, string reason, int count, string directory);

    [LoggerMessage(1025, LogLevel.Information, "Found {Count} results spilled by an earlier run in {Directory}; writing them once PostgreSQL is ready")]
    public static partial void SpillFound(ILogger logger, long count, string directory);

    [LoggerMessage(1026, LogLevel.Warning, "The spill file in {Directory} is full ({MaxBytes} bytes): dropped its oldest segment, {Count} results")]
    public static partial void SpillFull(ILogger logger, string directory, long maxBytes, long count);

    [LoggerMessage(1027, LogLevel.Error, "Could not spill results, {Count} lost: {Reason}")]
    public static partial void SpillFailed(ILogger logger, int count, string reason);

    [LoggerMessage(1028, LogLevel.Warning, "The result buffer was full ({Capacity} results; the spill file could not keep up): dropped the {Count} oldest")]
    public static partial void BufferOverflowed(ILogger logger, int capacity, long count);

    [LoggerMessage(1029, LogLevel.Warning, "Could not close the spill file in {Directory}: {Reason}")]
    public static partial void SpillCloseFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(1030, LogLevel.Error, "Could not read the spill segment {Path}: {Reason}; its results are lost")]
    public static partial void SpillSegmentUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(1031, LogLevel.Error, "Replaying the spill file failed: {Reason}; trying again in {RetrySeconds} s")]
    public static partial void ReplayFailed(ILogger logger, Exception exception, string reason, double retrySeconds);

    [LoggerMessage(1032, LogLevel.Warning, "Skipped {Count} lines of the spill segment {Path} that were not results (a write cut short by a crash, or damage)")]
    public static partial void SpillLinesSkipped(ILogger logger, long count, string path);

    [LoggerMessage(1040, LogLevel.Debug, "Listening for what other nodes change on channels {Channels}")]
    public static partial void ListeningForCheckChanges(ILogger logger, string channels);

    [LoggerMessage(1041, LogLevel.Warning, "Not listening for what other nodes change: {Reason}; the periodic poll covers the checks, connecting again in {RetrySeconds} s")]
    public static partial void CheckChangeListenFailed(ILogger logger, string reason, double retrySeconds);
}
