using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Tcp;

/// <summary>
/// The settings of a <c>tcp</c> check. There are none yet beyond the common fields (<c>ipVersion</c>,
/// <c>resolver</c>); the section exists so that <c>"tcp": {}</c> is accepted and later settings have a home.
/// </summary>
internal sealed record TcpSection : CheckSection
{
    public static readonly TcpSection Default = new();

    public static CheckSection? Read(JsonObjectReader? reader)
    {
        reader?.Complete();
        return Default;
    }
}
