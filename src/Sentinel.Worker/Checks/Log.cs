using Microsoft.Extensions.Logging;

namespace Sentinel.Worker.Checks;

internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Error, "Invalid check file {Source}, skipped (its checks keep their last valid definition): {Error}")]
    public static partial void InvalidCheckFile(ILogger logger, string source, string error);

    [LoggerMessage(2002, LogLevel.Information, "Loaded {Checks} checks from {Files} files in {Directory} ({Invalid} invalid files); {Changed} changed, {Removed} removed")]
    public static partial void CheckFilesSynced(ILogger logger, int checks, int files, string directory, int invalid, int changed, int removed);

    [LoggerMessage(2003, LogLevel.Error, "Check file sync failed: {Reason}; retrying at the next change or rescan")]
    public static partial void CheckFileSyncFailed(ILogger logger, string reason);

    [LoggerMessage(2004, LogLevel.Warning, "The checks folder {Directory} does not exist; no file checks are loaded until it does")]
    public static partial void CheckDirectoryMissing(ILogger logger, string directory);

    [LoggerMessage(2005, LogLevel.Warning, "Check file {Source} conflicts with the API: {Error}")]
    public static partial void CheckFileConflict(ILogger logger, string source, string error);

    [LoggerMessage(2006, LogLevel.Information, "This node now syncs the checks folder (it holds the file sync lock)")]
    public static partial void FileSyncLeading(ILogger logger);

    [LoggerMessage(2007, LogLevel.Warning, "This node no longer syncs the checks folder: its database session ended; another node takes over")]
    public static partial void FileSyncLeadLost(ILogger logger);
}
