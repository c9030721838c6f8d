namespace Sentinel.Worker.Storage;

/// <summary>The spill directory cannot be used or written; the message says why in one line.</summary>
internal sealed class ResultSpillException(string message, int lost = 0) : Exception(message)
{
    /// <summary>Rows of the failed append that did not reach the disk.</summary>
    public int Lost { get; } = lost;
}
