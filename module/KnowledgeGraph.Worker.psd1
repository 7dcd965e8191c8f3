@{
    # The training worker of the KnowledgeGraph module, as its own package: the worker executable with TorchSharp and
    # the CPU libtorch for linux-x64 (about 450 MB of native libraries). It has no commands; the KnowledgeGraph module
    # finds it beside itself and starts it to train and run learned classifiers. Users who only manage specs and
    # metadata do not need it.
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '3f0c7d52-5a4b-4bb8-9f6e-2c1f0b8e9a41'
    Author               = 'KgTools'
    CompanyName          = 'KgTools'
    Copyright            = '(c) KgTools. Apache-2.0.'
    Description          = 'The training worker of the KnowledgeGraph module: TorchSharp with the CPU libtorch for linux-x64, to train and run learned classifiers (SpanTagger, PassageClassifier). Install it beside the KnowledgeGraph module of the same version.'
    PowerShellVersion    = '7.6'
    FunctionsToExport    = @()
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('KnowledgeGraph', 'TorchSharp', 'PSEdition_Core', 'Linux', 'linux-x64')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ProjectUri   = 'https://github.com/KgTools/KgTools'
            ReleaseNotes = '0.1.0: the worker of KnowledgeGraph 0.1.0 (TorchSharp 0.107, libtorch 2.10 CPU, linux-x64). See CHANGELOG.md in the KnowledgeGraph module.'
        }
    }
}
