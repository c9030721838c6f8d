using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.xUnitV3;
using Xunit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static Sentinel.Architecture.Tests.SentinelArchitecture;

namespace Sentinel.Architecture.Tests;

/// <summary>
/// Dependencies point one way. Between projects: Worker → Api → Probes. In the Probes library: the check format →
/// the probing core (contract, runner, resolution, the engines several probes share, the header audits) → the probe
/// folders → the catalog that lists them. A probe folder uses another only through the core.
/// </summary>
public sealed class DependencyRulesTests
{
    public static TheoryData<string> Folders() => new(ProbeFolders);

    [Fact]
    public void Probes_ReferencesNeitherWorkerNorApi() =>
        TypesOf(ProbesAssembly).Should().NotDependOnAny(Types().That().ResideInAssembly(WorkerAssembly).Or().ResideInAssembly(ApiAssembly))
            .Because("the probes library is used by the API and the daemon, and knows neither")
            .Check(Loaded);

    [Fact]
    public void Api_NeverReferencesWorker() =>
        TypesOf(ApiAssembly).Should().NotDependOnAny(Types().That().ResideInAssembly(WorkerAssembly))
            .Because("the API declares the store interfaces it needs and the worker implements them")
            .Check(Loaded);

    [Fact]
    public void Checks_DependsOnNoOtherProbesNamespace()
    {
        var others = Loaded.Namespaces.Select(n => n.FullName)
            .Where(n => (n == Catalog || n.StartsWith(Catalog + ".", StringComparison.Ordinal)) && n != Checks)
            .ToList();
        Assert.NotEmpty(others);

        TypesIn("the check format (Checks)", [Checks]).Should()
            .NotDependOnAny(Types().That().ResideInNamespaceMatching(Exactly(others)).As("types of another Sentinel.Probes namespace"))
            .Because("the check format is read without knowing any probe: the parser is handed the check types")
            .Check(Loaded);
    }

    [Fact]
    public void Core_DependsOnNoProbeFolderNorTheCatalog() =>
        TypesIn("the core", Core).Should()
            .NotDependOnAny(TypesIn("types of the probe folders or the catalog", [.. ProbeFolders, Catalog]))
            .Because("the core is what probes share; a probe's own code stays in its folder, and only the catalog lists the probes")
            .Check(Loaded);

    [Theory]
    [MemberData(nameof(Folders))]
    public void ProbeFolder_DependsOnNoOtherProbeFolder(string folder) =>
        TypesIn(folder, [folder]).Should()
            .NotDependOnAny(TypesIn("types of the other probe folders", ProbeFolders.Where(f => f != folder)))
            .Because("what two probes share belongs to the core (Protocols/, Audits/, Resolving/, Names/)")
            .Check(Loaded);

    [Fact]
    public void ProtocolsHttp_DoesNotDependOnAudits() =>
        TypesIn("the HTTP exchange (Protocols.Http)", [ProtocolsHttp]).Should()
            .NotDependOnAny(TypesIn("types of the header audits (Audits)", [Audits]))
            .Because("the audits use the HTTP exchange; the exchange runs an audit only through IHttpAudit, which the probe hands it")
            .Check(Loaded);

    /// <summary>
    /// One slice per namespace below Sentinel.Probes: the core's, and the probe folders', which the rules above keep out
    /// of any cycle already (nothing in the core may use them, nor may they use each other).
    /// </summary>
    [Fact]
    public void CoreNamespaces_AreFreeOfCycles()
    {
        Assert.All(Core, name => Assert.Contains(Loaded.Namespaces, n => n.FullName == name));

        SliceRuleDefinition.Slices().Matching("Sentinel.Probes.(**)").Should().BeFreeOfCycles().Check(Loaded);
    }
}
