BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Commands = Get-Command -Module KnowledgeGraph -CommandType Cmdlet
}

Describe 'The KnowledgeGraph module' {
    It 'exports every cmdlet its manifest lists, and only those' {
        $manifest = Import-PowerShellDataFile $ModuleManifest
        ($Commands.Name | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'uses approved verbs and the Kg noun prefix for <_>' -ForEach @(Get-Command -Module KnowledgeGraph -CommandType Cmdlet | ForEach-Object Name) {
        $verb, $noun = $_ -split '-', 2
        (Get-Verb -Verb $verb) | Should -Not -BeNullOrEmpty
        $noun | Should -Match '^Kg[A-Z]'
    }

    It 'has help with a synopsis, a description and examples for <_>' -ForEach @(Get-Command -Module KnowledgeGraph -CommandType Cmdlet | ForEach-Object Name) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -Match "^\s*$_\s"   # not the auto-generated syntax stub
        $help.Synopsis.Length | Should -BeGreaterThan 20
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 50
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 1
        $help.Examples.Example[0].Code | Should -Match 'Kg'
    }

    It 'documents every parameter of <_>' -ForEach @(Get-Command -Module KnowledgeGraph -CommandType Cmdlet | ForEach-Object Name) {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($p in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $text = (Get-Help $_ -Parameter $p).Description.Text -join ' '
            $text.Length | Should -BeGreaterThan 10 -Because "-$p of $_ needs a description"
        }
    }

    It 'ships an about_KnowledgeGraph topic' {
        (Get-Help about_KnowledgeGraph | Out-String) | Should -Match 'Wikibase ID'
    }

    It 'supports -WhatIf and -Confirm on every cmdlet that changes something' {
        $changing = $Commands | Where-Object { $_.Verb -in 'Set', 'New', 'Remove', 'Publish', 'Unpublish', 'Update', 'Deploy', 'Copy', 'Register', 'Unregister' -or $_.Name -eq 'Invoke-KgTraining' }
        foreach ($c in $changing) {
            $c.Parameters.Keys | Should -Contain 'WhatIf' -Because "$($c.Name) changes something"
            $c.Parameters.Keys | Should -Contain 'Confirm'
        }
    }

    It 'does not load third-party assemblies into the default load context on import' {
        $r = Invoke-KgChild -Script @'
Import-Module $env:KG_TEST_MODULE
$names = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name
@('YamlDotNet', 'AWSSDK.Core', 'AWSSDK.S3', 'TorchSharp') | Where-Object { $_ -in $names }
'@
        $r.ExitCode | Should -Be 0
        $r.Output.Trim() | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion' {
    BeforeAll { New-KgTestHome | Out-Null }

    It 'completes environment names' {
        $r = TabExpansion2 -inputScript 'Get-KgEnvironment -Environment pro' -cursorColumn 34
        $r.CompletionMatches.CompletionText | Should -Be @('production', 'prod')
    }

    It 'completes classifier IDs from the store of the environment given' {
        $t = Invoke-KgTraining Q9001 -Environment sandbox
        $line = 'Publish-KgClassifier Q9001 -Environment sandbox -ClassifierId '
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @($t.ClassifierId)
        $line = 'Publish-KgClassifier Q9001 -Environment staging -ClassifierId '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -BeNullOrEmpty
    }

    It 'completes Wikibase IDs from the concept folder' {
        $line = 'Get-KgConcept Q90'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'Q9001'
    }
}

Describe 'Dependency isolation' {
    BeforeAll {
        $script:OtherAwsCore = Join-Path $RepoRoot '.packages/awssdk.core/3.7.402/lib/net8.0/AWSSDK.Core.dll'
        if (-not (Test-Path $OtherAwsCore)) { throw "Missing ${OtherAwsCore}: run build.ps1 Test, which restores tests/tools/TestTools.proj." }
        $script:OtherYaml = Join-Path $RepoRoot '.packages/yamldotnet/16.3.0/lib/net8.0/YamlDotNet.dll'
        if (-not (Test-Path $OtherYaml)) { throw "Missing ${OtherYaml}: run build.ps1 Test, which restores tests/tools/TestTools.proj." }
        $script:SpecFile = Join-Path $RepoRoot 'classifier_specs/v2/production.yaml'
    }

    It 'imports and reads YAML after another YamlDotNet version was loaded first' {
        $r = Invoke-KgChild -Script @"
`$other = [System.Reflection.Assembly]::LoadFrom('$OtherYaml')
Import-Module `$env:KG_TEST_MODULE
`$yaml = Test-KgInferenceSpec -Path '$SpecFile' -Quiet
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { `$_.GetName().Version.Major }
"quiet=`$yaml versions=`$((`$loaded | Sort-Object) -join ',')"
"@
        $r.Error | Should -BeNullOrEmpty
        $r.Output.Trim() | Should -Be 'quiet=True versions=16,18'
    }

    It 'lets another YamlDotNet version load after the module has used its own' {
        $r = Invoke-KgChild -Script @"
Import-Module `$env:KG_TEST_MODULE
`$null = Test-KgInferenceSpec -Path '$SpecFile' -Quiet
`$other = [System.Reflection.Assembly]::LoadFrom('$OtherYaml')
`$d = [YamlDotNet.Serialization.Deserializer]::new()
`$d.Deserialize[object]('a: 1')['a']
"@
        $r.Error | Should -BeNullOrEmpty
        $r.Output.Trim() | Should -Be '1'
    }

    It 'runs the S3 lifecycle after another AWSSDK.Core version was loaded first, as AWS.Tools would' -Skip:(-not $HasS3) {
        $bucket = New-TestBucket
        $kgHome = New-KgTestHome
        $childEnv = Get-KgChildEnvironment
        $childEnv['KG_SANDBOX_STORE'] = "s3://$bucket/sandbox"
        $childEnv['KG_ENDPOINT_URL'] = $S3Endpoint
        $childEnv['KG_PROFILE'] = $S3Profile
        $specs = New-Item -ItemType Directory (Join-Path $kgHome 'classifier_specs/v2') -Force
        $r = Invoke-KgChild -Environment $childEnv -Script @"
`$ErrorActionPreference = 'Stop'
`$other = [System.Reflection.Assembly]::LoadFrom('$OtherAwsCore')
Import-Module `$env:KG_TEST_MODULE
`$t = Invoke-KgTraining Q9001 -Environment sandbox
`$p = `$t | Publish-KgClassifier -AddClassifiersProfile primary
Update-KgInferenceSpec sandbox -Path '$(Split-Path $specs)'
`$versions = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'AWSSDK.Core' } | ForEach-Object { `$_.GetName().Version.Major }
"promoted=`$(`$p.Promoted) store=`$((Get-KgEnvironment sandbox).StoreKind) core=`$((`$versions | Sort-Object) -join ',')"
"@
        $r.Error | Should -BeNullOrEmpty
        $r.Output.Trim() | Should -Be 'promoted=True store=S3 core=3,4'
        Get-Content (Join-Path $specs 'sandbox.yaml') -Raw | Should -Match 'classifiers_profile: primary'
    }
}
