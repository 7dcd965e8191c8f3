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
    FormatsToProcess     = @('KnowledgeGraph.Format.ps1xml')
    CmdletsToExport      = @(
        'Copy-KgClassifier'
        'Deploy-KgClassifier'
        'Get-KgClassifier'
        'Get-KgClassifierHistory'
        'Get-KgConcept'
        'Get-KgEnvironment'
        'Get-KgInferenceResult'
        'Invoke-KgClassifier'
        'Invoke-KgInference'
        'Invoke-KgTraining'
        'Publish-KgClassifier'
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
            Tags         = @('KnowledgeGraph', 'Classifier', 'MachineLearning', 'S3', 'TorchSharp', 'Linux', 'Windows')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'See README.md.'
        }
    }
}
