using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Results;

internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Check {Check} ({Target}) is up (was {Previous})")]
    public static partial void CheckUp(ILogger logger, string check, string target, string previous);

    [LoggerMessage(3002, LogLevel.Warning, "Check {Check} ({Target}) is {Status} (was {Previous}): {Category}: {Message}; hint: {Hint}")]
    public static partial void CheckFailing(ILogger logger, string check, string target, string status, string previous, string category, string message, string hint);

    [LoggerMessage(3003, LogLevel.Warning, "Check {Check} ({Target}) is unknown (was {Previous}): probe_error: {Message}; hint: {Hint}")]
    public static partial void CheckUnknown(ILogger logger, string check, string target, string previous, string message, string hint);

    [LoggerMessage(3004, LogLevel.Warning, "Could not read the checks for the metrics view: {Reason}; retrying at the next change")]
    public static partial void LatestResultsSyncFailed(ILogger logger, string reason);

    [LoggerMessage(3005, LogLevel.Information, "Restored the latest stored result of {Count} checks for /metrics")]
    public static partial void LatestResultsRestored(ILogger logger, int count);

    [LoggerMessage(3006, LogLevel.Warning, "Could not restore the latest stored results for /metrics: {Reason}; each check shows up again with its next run")]
    public static partial void LatestResultsRestoreFailed(ILogger logger, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "Could not read the latest results other nodes stored, for /metrics: {Reason}; retrying")]
    public static partial void StoredLatestRefreshFailed(ILogger logger, string reason);
}
