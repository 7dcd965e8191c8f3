using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KnowledgeGraph.Tests;

/// <summary>A PowerShell runspace with the module's cmdlets imported from the compiled assembly, for in-process tests.</summary>
internal sealed class HostedRunspace : IDisposable
{
    private readonly Runspace _runspace;

    public HostedRunspace(IDictionary<string, string>? environment = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(typeof(KnowledgeGraph.PowerShell.KgCmdlet).Assembly.Location);
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            Run($"$env:{k} = '{v}'");
        }
    }

    public (Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors) Run(string script)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        try
        {
            var output = ps.Invoke();
            return (output, ps.Streams.Error.ToArray());
        }
        catch (RuntimeException e)
        {
            return ([], [e.ErrorRecord]);
        }
    }

    public void Dispose() => _runspace.Dispose();
}
