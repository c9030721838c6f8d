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

    [LoggerMessage(7010, LogLevel.Information, "Notified {Channel}: {Subject} (attempt {Attempts})")]
    public static partial void Delivered(ILogger logger, string channel, string subject, int attempts);

    [LoggerMessage(7011, LogLevel.Warning, "Could not notify {Channel}: {Reason}; retrying in {DelaySeconds} s")]
    public static partial void DeliveryRetrying(ILogger logger, string channel, string reason, double delaySeconds);

    [LoggerMessage(7012, LogLevel.Error, "{Channel} rejected the notification \"{Subject}\" for good: {Reason}; it is marked failed and not retried")]
    public static partial void DeliveryRejected(ILogger logger, string channel, string subject, string reason);

    [LoggerMessage(7013, LogLevel.Error, "Channel {Channel} is down; holding its notifications for {BreakSeconds} s before trying again")]
    public static partial void ChannelDown(ILogger logger, string channel, double breakSeconds);

    [LoggerMessage(7014, LogLevel.Information, "Channel {Channel} is back")]
    public static partial void ChannelBack(ILogger logger, string channel);

    [LoggerMessage(7015, LogLevel.Warning, "Could not read or update the notification outbox: {Reason}; retrying in {DelaySeconds} s")]
    public static partial void OutboxDatabaseFailed(ILogger logger, string reason, double delaySeconds);

    [LoggerMessage(7016, LogLevel.Warning, "{Count} queued notification(s) name channels the configuration no longer has; they are marked failed")]
    public static partial void OrphanedNotifications(ILogger logger, int count);
}
