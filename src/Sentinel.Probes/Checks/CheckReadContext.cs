namespace Sentinel.Probes.Checks;

/// <summary>Collects every error found while reading one document, each with its line when known.</summary>
internal sealed class CheckReadContext(string source, JsonLineMap lines)
{
    public string Source { get; } = source;

    public List<CheckError> Errors { get; } = [];

    public JsonLineMap Lines { get; } = lines;

    public void Error(string path, string message) => Errors.Add(new CheckError(Source, Lines.LineOf(path), path, message));
}
