using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Unpublish-KgClassifier (demote): stops a promoted registry version from being used in an environment. The
/// demotion is planned first (refusing, with the candidates, when the target is ambiguous), confirmed, then applied to
/// exactly that registry version.</summary>
[Cmdlet(VerbsData.Unpublish, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PromotionResult))]
public sealed class UnpublishKgClassifierCommand : ClassifierCmdlet
{
    /// <summary>Which promoted classifier of the concept (optional: needed only when several are promoted).</summary>
    [Parameter(ParameterSetName = ByIdSet, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public override string? ClassifierId { get; set; }

    /// <summary>The registry version to demote (vN, as in the spec file's wandb_registry_version).</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [ModelVersionTransformation("registry version")]
    [ArgumentCompleter(typeof(RegistryVersionCompleter))]
    public ModelVersion? RegistryVersion { get; set; }

    [Parameter(ParameterSetName = ByIdSet)]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string? ClassifiersProfile { get; set; }

    protected override void Act(ClassifierTarget target)
    {
        DemotionTarget demotion;
        if (target.Input is { } input)
        {
            if (input.RegistryVersion is not { } rv || !input.Promoted)
            {
                throw Error("NotPromoted", KgErrorKind.InvalidOperation, $"{input} is not promoted.", input);
            }
            demotion = new DemotionTarget(rv);
        }
        else
        {
            demotion = new DemotionTarget(RegistryVersion, ClassifierId, ClassifiersProfile);
        }
        var store = StoreFor(target.Environment);
        var plan = RunWithProgress($"Reading the registry of {target.WikibaseId}", (_, ct) => ClassifierLifecycle.PlanDemotionAsync(store, target.WikibaseId, demotion, ct));
        if (Confirm(target.Environment, plan.Description, "Demote"))
        {
            WriteObject(RunWithProgress($"Demoting {plan.Description}", (_, ct) => ClassifierLifecycle.DemoteAsync(store, plan, ct)));
        }
    }
}
