@{
    RootModule           = 'KnowledgeGraph.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = 'd9cee67e-a71d-4e13-b9f0-d4d8ed6768e2'
    Author               = 'KgTools'
    CompanyName          = 'KgTools'
    Copyright            = '(c) KgTools. Apache-2.0.'
    Description          = 'Train, evaluate, store, promote and demote per-concept text classifiers for a climate-policy knowledge graph, and write the per-environment classifier spec files an inference pipeline reads.'
    PowerShellVersion    = '7.6'
    # Update-Help looks here; Get-Help -Online opens each cmdlet's help source under ProjectUri.
    HelpInfoURI          = 'https://github.com/KgTools/KgTools/tree/main/module/help'
    FormatsToProcess     = @('KnowledgeGraph.Format.ps1xml')
    CmdletsToExport      = @(
        'Compare-KgClassifier'
        'Copy-KgClassifier'
        'Deploy-KgClassifier'
        'Export-KgJobDefinition'
        'Get-KgClassifier'
        'Get-KgClassifierHistory'
        'Get-KgConcept'
        'Get-KgEncoder'
        'Get-KgEnvironment'
        'Get-KgInferenceResult'
        'Import-KgInferenceSpec'
        'Import-KgRegistry'
        'Install-KgEncoder'
        'Invoke-KgClassifier'
        'Invoke-KgInference'
        'Invoke-KgInferenceTask'
        'Invoke-KgTraining'
        'Invoke-KgTrainingTask'
        'Publish-KgClassifier'
        'Remove-KgClassifier'
        'Save-KgConcept'
        'Set-KgClassifierMetadata'
        'Set-KgEnvironment'
        'Test-KgClassifier'
        'Test-KgEnvironment'
        'Test-KgInferenceSpec'
        'Unpublish-KgClassifier'
        'Update-KgInferenceSpec'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # The package holds linux-x64 native libraries only (the worker's libtorch): it is tagged for Linux alone.
            # Training needs the KnowledgeGraph.Worker package (the optional download with libtorch).
            Tags         = @('KnowledgeGraph', 'Classifier', 'MachineLearning', 'S3', 'PSEdition_Core', 'Linux', 'linux-x64')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ProjectUri   = 'https://github.com/KgTools/KgTools'
            ReleaseNotes = @'
0.1.0
- Cmdlets for the whole classifier lifecycle: Get-KgConcept, Invoke-KgClassifier, Test-KgClassifier, Invoke-KgTraining,
  Get-/Publish-/Unpublish-/Copy-/Remove-/Compare-KgClassifier, Set-KgClassifierMetadata, Get-KgClassifierHistory,
  Deploy-KgClassifier, Update-/Test-/Import-KgInferenceSpec, Import-KgRegistry, Get-/Set-/Test-KgEnvironment,
  Get-/Install-KgEncoder.
- Weights & Biases as tracker (Invoke-KgTraining -Track) or registry of record (Set-KgEnvironment -Registry WandB).
- Embedded and S3 stores; an append-only, hash-chained registry; spec files written in the original's exact YAML.
- Learned classifiers (SpanTagger, PassageClassifier, TransformerClassifier: all-MiniLM-L6-v2 fine-tuned, its encoder
  installed with Install-KgEncoder) train in a worker process shipped separately as
  KnowledgeGraph.Worker (linux-x64, CPU libtorch). Managing specs and metadata needs only this package.
Full notes: CHANGELOG.md in the module folder.
'@
        }
    }
}
