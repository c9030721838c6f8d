using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Metrics;

internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Warning, "{Checks} checks are scheduled, but /metrics has room for {MaxChecks}: series of the others may be missing; raise Sentinel:Metrics:MaxChecks")]
    public static partial void TooManyChecksForMetrics(ILogger logger, int checks, int maxChecks);
}
