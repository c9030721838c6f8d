namespace Sentinel.Api.Auth;

/// <summary>What a key may do. A <see cref="Write"/> key may also read.</summary>
public static class ApiScopes
{
    /// <summary>Read checks, their history, results and the OpenAPI document.</summary>
    public const string Read = "read";

    /// <summary>Also create, change, delete, pause, resume and run checks.</summary>
    public const string Write = "write";

    /// <summary>The claim that carries a key's scopes.</summary>
    internal const string Claim = "scope";

    /// <summary>Whether <paramref name="scope"/> is a scope a key may be created with.</summary>
    public static bool IsKnown(string? scope) => scope is Read or Write;
}
