using System.Text.RegularExpressions;
using ArchUnitNET.Fluent.Syntax.Elements.Types;
using ArchUnitNET.Loader;
using Xunit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using Assembly = System.Reflection.Assembly;

namespace Sentinel.Architecture.Tests;

/// <summary>
/// The compiled assemblies the rules judge, and the namespaces of the Probes library by layer: the check format, the
/// core the probes share, the probe folders, and the catalog at the root that lists the probes.
/// </summary>
internal static class SentinelArchitecture
{
    public static readonly Assembly ProbesAssembly = Assembly.Load("Sentinel.Probes");

    public static readonly Assembly ApiAssembly = Assembly.Load("Sentinel.Api");

    public static readonly Assembly WorkerAssembly = Assembly.Load("sentinel");

    public static readonly ArchUnitNET.Domain.Architecture Loaded = new ArchLoader().LoadAssemblies(ProbesAssembly, ApiAssembly, WorkerAssembly).Build();

    /// <summary>The catalog's namespace, the library's root.</summary>
    public const string Catalog = "Sentinel.Probes";

    /// <summary>The check format: model, parser, reader, schema.</summary>
    public const string Checks = "Sentinel.Probes.Checks";

    /// <summary>The HTTP exchange machinery the http and headers probes share.</summary>
    public const string ProtocolsHttp = "Sentinel.Probes.Protocols.Http";

    /// <summary>The header audits.</summary>
    public const string Audits = "Sentinel.Probes.Audits";

    /// <summary>What every probe may use: the format, the probe contract and result, and the engines several probes share.</summary>
    public static readonly IReadOnlyList<string> Core =
    [
        Checks, "Sentinel.Probes.Probing", "Sentinel.Probes.Running", "Sentinel.Probes.Reporting", "Sentinel.Probes.Resolving",
        "Sentinel.Probes.Names", "Sentinel.Probes.Protocols", "Sentinel.Probes.Protocols.Tcp", "Sentinel.Probes.Protocols.Tls", "Sentinel.Probes.Protocols.Dns",
        "Sentinel.Probes.Protocols.Icmp", ProtocolsHttp, Audits,
    ];

    /// <summary>One folder per probe type (the path probe's namespace is Paths, clear of System.IO.Path).</summary>
    public static readonly IReadOnlyList<string> ProbeFolders =
    [
        "Sentinel.Probes.Tcp", "Sentinel.Probes.Tls", "Sentinel.Probes.Http", "Sentinel.Probes.Headers", "Sentinel.Probes.Dns",
        "Sentinel.Probes.Icmp", "Sentinel.Probes.Paths",
    ];

    /// <summary>
    /// The types of <paramref name="namespaces"/> (each exactly, not below), after asserting that each holds types: a
    /// rule over a namespace that was renamed away, or not loaded, would otherwise pass without judging anything.
    /// </summary>
    public static GivenTypesConjunctionWithDescription TypesIn(string description, IEnumerable<string> namespaces)
    {
        var names = namespaces.ToList();
        foreach (var name in names)
        {
            Assert.True(Loaded.Types.Any(t => t.Namespace.FullName == name), $"no types loaded in {name}: the rule would judge nothing");
        }

        return Types().That().ResideInNamespaceMatching(Exactly(names)).As(description);
    }

    /// <summary>The types of the assembly, after asserting that there are some.</summary>
    public static GivenTypesConjunctionWithDescription TypesOf(Assembly assembly)
    {
        Assert.True(Loaded.Types.Any(t => t.Assembly.FullName == assembly.FullName), $"no types loaded from {assembly.GetName().Name}");
        return Types().That().ResideInAssembly(assembly).As(assembly.GetName().Name);
    }

    /// <summary>A pattern matching these namespaces and no other (neither a parent nor a namespace below).</summary>
    public static string Exactly(IEnumerable<string> namespaces) => "^(" + string.Join("|", namespaces.Select(Regex.Escape)) + ")$";
}
