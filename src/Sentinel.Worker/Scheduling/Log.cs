using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Scheduling;

internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Scheduled check {Check} every {Interval} (offset {Offset} into the interval)")]
    public static partial void CheckScheduled(ILogger logger, string check, string interval, string offset);

    [LoggerMessage(4002, LogLevel.Information, "Unscheduled check {Check}")]
    public static partial void CheckUnscheduled(ILogger logger, string check);

    [LoggerMessage(4003, LogLevel.Error, "Stored check {Check} is not valid any more and is not scheduled: {Error}")]
    public static partial void StoredCheckInvalid(ILogger logger, string check, string error);

    [LoggerMessage(4004, LogLevel.Warning, "Could not reconcile the schedule: {Reason}; retrying")]
    public static partial void ReconcileFailed(ILogger logger, string reason);

    [LoggerMessage(4005, LogLevel.Error, "The {Type} probe failed unexpectedly on check {Check}")]
    public static partial void ProbeCrashed(ILogger logger, Exception exception, string type, string check);

    [LoggerMessage(4006, LogLevel.Information, "Scheduler started as cluster node {Instance}")]
    public static partial void SchedulerStarted(ILogger logger, string instance);

    [LoggerMessage(4007, LogLevel.Warning, "Could not start the scheduler: {Reason}; retrying in {Seconds} s")]
    public static partial void SchedulerStartFailed(ILogger logger, string reason, double seconds);
}
