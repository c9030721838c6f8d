namespace Sentinel.Probes.Checks;

/// <summary>
/// The check types a parser knows, by name: the parser, the file loader and <c>sentinel validate</c> take them as a
/// parameter, so that the check format depends on no probe (the catalog of probes hands its types in).
/// </summary>
internal sealed class CheckTypes
{
    private readonly Dictionary<string, CheckType> _types;

    public CheckTypes(IEnumerable<CheckType> types)
    {
        _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The known types in name order.</summary>
    public IEnumerable<CheckType> Types => _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Looks a type up by name.</summary>
    public CheckType? Find(string name) => _types.GetValueOrDefault(name);
}
