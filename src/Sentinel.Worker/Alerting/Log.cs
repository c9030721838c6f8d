using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Alerting;

internal static partial class Log
{
    [LoggerMessage(7001, LogLevel.Warning, "Alert {Kind} {Key} is {Event}: {Subject} ({Queued} notification(s) queued)")]
    public static partial void AlertChanged(ILogger logger, string kind, string key, string @event, string subject, int queued);

    [LoggerMessage(7002, LogLevel.Warning, "Could not store the alert evaluation of {Check}: {Reason}; retrying in {DelaySeconds} s")]
    public static partial void EvaluationFailed(ILogger logger, string check, string reason, double delaySeconds);

    [LoggerMessage(7003, LogLevel.Error, "The alert evaluation queue is full ({Capacity}); results are not evaluated until it drains (is PostgreSQL away?)")]
    public static partial void EvaluationQueueFull(ILogger logger, int capacity);

    [LoggerMessage(7004, LogLevel.Warning, "{Count} result(s) were not evaluated for alerts before stopping")]
    public static partial void ResultsNotEvaluated(ILogger logger, int count);

    [LoggerMessage(7005, LogLevel.Warning, "Check {Check} notifies channel {Channel}, which is not configured; that notification is skipped")]
    public static partial void UnknownChannel(ILogger logger, string check, string channel);

    [LoggerMessage(7006, LogLevel.Error, "PostgreSQL refused the alert evaluation of {Check}: {Reason}")]
    public static partial void EvaluationRejected(ILogger logger, string check, string reason);
}
