namespace Sentinel.Probes.Checks;

/// <summary>Collects every error found while reading one document, each with its line when known.</summary>
/// <param name="source">Where the document came from.</param>
/// <param name="lines">The line of each JSON path.</param>
/// <param name="channels">
/// The alert channels the host has configured, which <c>alert.notify</c> may name; null when they are not known here
/// (a stored check read again by the scheduler), and then the names are not checked.
/// </param>
internal sealed class CheckReadContext(string source, JsonLineMap lines, IReadOnlyCollection<string>? channels = null)
{
    public string Source { get; } = source;

    public List<CheckError> Errors { get; } = [];

    public JsonLineMap Lines { get; } = lines;

    public IReadOnlyCollection<string>? Channels { get; } = channels;

    public void Error(string path, string message) => Errors.Add(new CheckError(Source, Lines.LineOf(path), path, message));
}
