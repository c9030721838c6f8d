using System.Globalization;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>How many of the addresses a name resolves to are probed.</summary>
internal enum AddressMode
{
    /// <summary>The first address only, as curl and blackbox_exporter do.</summary>
    First,

    /// <summary>Every address (up to <see cref="AddressPolicy.MaxAddresses"/>); up when one of them is.</summary>
    Any,

    /// <summary>Every address; up only when all of them are.</summary>
    All,

    /// <summary>Every address; up when at least N of them are.</summary>
    Quorum,
}

/// <summary>
/// The <c>addresses</c> policy of an http check: <c>first</c> (default), <c>any</c>, <c>all</c> or
/// <c>quorum:N</c>. Probing every address makes one bad availability zone or a broken IPv6 path visible, which
/// a client that happens to pick a good address would hide.
/// </summary>
internal readonly record struct AddressPolicy(AddressMode Mode, int Quorum)
{
    /// <summary>The most addresses probed in one run; the series' <c>ip_index</c> label stays below it.</summary>
    public const int MaxAddresses = 8;

    public static readonly AddressPolicy First = new(AddressMode.First, 1);

    public static bool TryParse(string text, out AddressPolicy policy)
    {
        policy = text switch
        {
            "first" => First,
            "any" => new AddressPolicy(AddressMode.Any, 1),
            "all" => new AddressPolicy(AddressMode.All, 0),
            _ when text.StartsWith("quorum:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxAddresses
                => new AddressPolicy(AddressMode.Quorum, n),
            _ => default,
        };
        return text is "first" or "any" or "all" || policy.Mode == AddressMode.Quorum;
    }

    /// <summary>How many addresses of <paramref name="resolved"/> are probed.</summary>
    public int Probed(int resolved) => Mode == AddressMode.First ? Math.Min(1, resolved) : Math.Min(resolved, MaxAddresses);

    /// <summary>How many of <paramref name="probed"/> addresses must be up.</summary>
    public int Needed(int probed) => Mode switch
    {
        AddressMode.All => probed,
        AddressMode.Quorum => Quorum,
        _ => 1,
    };

    public override string ToString() => Mode switch
    {
        AddressMode.First => "first",
        AddressMode.Any => "any",
        AddressMode.All => "all",
        _ => string.Create(CultureInfo.InvariantCulture, $"quorum:{Quorum}"),
    };
}
