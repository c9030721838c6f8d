namespace Sentinel.Worker.Cli;

/// <summary>The exit codes of every command.</summary>
internal static class ExitCodes
{
    /// <summary>Success: the check passed, the files are valid, the daemon stopped cleanly.</summary>
    public const int Ok = 0;

    /// <summary>Failure: a check failed, a file is invalid, the daemon could not start.</summary>
    public const int Failed = 1;

    /// <summary>Usage: bad flags, a bad definition or configuration.</summary>
    public const int Usage = 2;
}
