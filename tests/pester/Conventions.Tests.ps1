BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# The PowerShell conventions of issue 9, section 4: pipeline binding, wildcards, positions, views, text forms, help,
# completion, -Verbose and -Debug.
Describe 'Pipeline binding and wildcards' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Cid = (Invoke-KgTraining Q9001 -Environment sandbox).ClassifierId
        Publish-KgClassifier Q9001 $Cid sandbox -AddClassifiersProfile primary | Out-Null
        Invoke-KgTraining Q9001 -Environment labs | Out-Null
    }

    It 'lists the classifiers of an environment piped from Get-KgEnvironment' {
        $listed = Get-KgEnvironment sandbox | Get-KgClassifier
        $listed.WikibaseId | Should -Be 'Q9001'
        $listed.Environment | Should -Be 'sandbox'
    }

    It 'tests an environment piped from Get-KgEnvironment' {
        (Get-KgEnvironment sandbox, labs | Test-KgEnvironment).Environment | Should -Be @('sandbox', 'labs')
    }

    It 'reads concept files piped from Get-ChildItem' {
        (Get-ChildItem (Join-Path $ExampleConcepts '*.json') | Get-KgConcept).WikibaseId | Should -Be 'Q9001'
    }

    It 'lists the classifiers of concepts piped from Get-KgConcept' {
        (Get-KgConcept Q9001 | Get-KgClassifier -Environment sandbox).ClassifierId | Should -Be $Cid
    }

    It 'takes wildcards for Wikibase IDs and environments' {
        @(Get-KgClassifier 'Q90*').Count | Should -Be 2
        @(Get-KgClassifier 'Q8*') | Should -BeNullOrEmpty
        (Get-KgClassifier -Environment *).Environment | Should -Be @('labs', 'sandbox')
        (Get-KgClassifier -Environment 's*').Environment | Should -Be 'sandbox'
        (Get-KgConcept 'Q9*').WikibaseId | Should -Be 'Q9001'
        @(Get-KgEnvironment -Environment 'p*').Name | Should -Be 'production'
    }

    It 'filters by profile and classifier type' {
        (Get-KgClassifier -ClassifiersProfile primary).Environment | Should -Be 'sandbox'
        @(Get-KgClassifier -ClassifierType Keyword).Count | Should -Be 2
        Get-KgClassifier -ClassifierType SpanTagger | Should -BeNullOrEmpty
    }

    It 'finds concepts by label' {
        (Get-KgConcept -Label 'flood*').WikibaseId | Should -Be 'Q9001'
        (Get-KgConcept -Label 'FLOODING').WikibaseId | Should -Be 'Q9001'
        Get-KgConcept -Label 'forest*' | Should -BeNullOrEmpty
    }

    It 'takes Wikibase ID, classifier ID and environment by position, as the original command line did' {
        Set-KgClassifierMetadata Q9001 $Cid sandbox -AddDontRunOn sabin
        (Get-KgClassifier Q9001 $Cid sandbox -Promoted).DontRunOn | Should -Be 'sabin'
        (Copy-KgClassifier Q9001 $Cid staging -SourceEnvironment sandbox -PassThru).Environment | Should -Be 'staging'
        (Unpublish-KgClassifier Q9001 $Cid sandbox).Promoted | Should -BeFalse
        (Publish-KgClassifier Q9001 $Cid sandbox -AddClassifiersProfile primary).Promoted | Should -BeTrue
        foreach ($name in 'Publish-KgClassifier', 'Unpublish-KgClassifier', 'Set-KgClassifierMetadata', 'Copy-KgClassifier', 'Remove-KgClassifier', 'Get-KgClassifier') {
            $p = (Get-Command $name).Parameters
            ($p.WikibaseId.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Select-Object -First 1) | Should -Be 0 -Because $name
            ($p.ClassifierId.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Select-Object -First 1) | Should -Be 1 -Because $name
            ($p.Environment.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Select-Object -First 1) | Should -Be 2 -Because $name
        }
    }

    It 'outputs versions and environments as typed values' {
        $info = Get-KgClassifier Q9001 -Environment sandbox -Promoted
        $info.Version | Should -BeOfType ([KnowledgeGraph.Identifiers.ModelVersion])
        $info.RegistryVersion | Should -BeOfType ([KnowledgeGraph.Identifiers.ModelVersion])
        $info.Environment | Should -BeOfType ([KnowledgeGraph.Environments.KgEnvironment])
        (Get-KgClassifierHistory Q9001 -Environment sandbox)[0].Environment | Should -BeOfType ([KnowledgeGraph.Environments.KgEnvironment])
    }
}

Describe 'Views, text forms and CSV' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Trained = Invoke-KgTraining Q9001 -Environment sandbox
        $script:Promotion = $Trained | Publish-KgClassifier -AddClassifiersProfile experimental
        Set-KgClassifierMetadata Q9001 $Trained.ClassifierId sandbox -AddDontRunOn sabin, gef, cclw
        $script:Info = Get-KgClassifier Q9001 -Environment sandbox -Promoted
    }

    It 'keeps every table view within 80 columns' {
        [xml] $views = Get-Content (Join-Path (Split-Path $ModuleManifest) 'KnowledgeGraph.Format.ps1xml') -Raw
        foreach ($view in $views.Configuration.ViewDefinitions.View) {
            $widths = @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object { if ($_.Width) { [int]$_.Width } })
            $columns = @($view.TableControl.TableHeaders.TableColumnHeader).Count
            ($widths | Measure-Object -Sum).Sum + $columns - 1 | Should -BeLessOrEqual 76 -Because "$($view.Name) needs room for its last column"
        }
    }

    It 'shows the profile and the sources a classifier must not run on in an 80-column table' {
        $table = ($Info | Format-Table | Out-String -Width 80) -split "`n"
        $table | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $table[1] | Should -Match '^WikibaseId ClassifierId Version Environment Profile\s+DontRunOn'
        $table[3] | Should -Match 'experimental cclw, gef, sabin'
    }

    It 'gives output objects a readable text form' {
        "$Info" | Should -Be "Q9001/$($Info.ClassifierId) v0 (sandbox, promoted as experimental v0)"
        "$Promotion" | Should -Match '^Q9001/\w{8} v0 registry v0 in sandbox: promoted as experimental'
        "$Trained" | Should -Match '^Q9001/\w{8} v0 \(KeywordClassifier, sandbox\)'
        "$(Get-KgEnvironment sandbox)" | Should -Match '^sandbox \('
        "$(Test-KgEnvironment sandbox)" | Should -Match '^sandbox: OK'
        "$(Get-KgClassifierHistory Q9001 -Environment sandbox | Select-Object -First 1)" | Should -Match '^Q9001 #1 '
        "$($Info.Metrics[0])" | Should -Match 'Passage: P '
    }

    It 'never writes a type name for a list into CSV' {
        foreach ($object in $Info, (Get-KgEnvironment sandbox), (Test-KgEnvironment sandbox), (Get-KgConcept Q9001), $Trained) {
            $csv = $object | ConvertTo-Csv | Out-String
            $csv | Should -Not -Match 'System\.' -Because "$($object.GetType().Name) lists"
        }
        ($Info | ConvertTo-Csv | ConvertFrom-Csv).DontRunOn | Should -Be 'cclw; gef; sabin'
    }
}

Describe 'Help' {
    BeforeAll { $script:Manifest = Import-PowerShellDataFile $ModuleManifest }

    It 'states positions and defaults as the cmdlets have them' {
        (Get-Help Get-KgConcept -Parameter WikibaseId).position | Should -Be '0'
        (Get-Help Publish-KgClassifier -Parameter ClassifierId).position | Should -Be '1'
        (Get-Help Set-KgClassifierMetadata -Parameter Environment).position | Should -Be '2'
        (Get-Help Publish-KgClassifier -Parameter AddClassifiersProfile).position | Should -Be 'named'
        (Get-Help Deploy-KgClassifier -Parameter Seed).defaultValue | Should -Be '42'
        (Get-Help Deploy-KgClassifier -Parameter ThrottleLimit).defaultValue | Should -Be '1'
        (Get-Help Deploy-KgClassifier -Parameter ClassifierType).defaultValue | Should -Be 'Keyword'
        (Get-Help Remove-KgClassifier -Parameter BlobGracePeriod).defaultValue | Should -Be '01:00:00'
        (Get-Help Deploy-KgClassifier -Parameter Force).defaultValue | Should -Be 'False'
        (Get-Help Get-KgClassifier -Parameter Environment).defaultValue | Should -Be 'None'
    }

    It 'links every cmdlet to its online help and the manifest to the project' {
        $Manifest.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $Manifest.HelpInfoURI | Should -Match '^https://'
        foreach ($name in (Get-Command -Module KnowledgeGraph -CommandType Cmdlet).Name) {
            $link = @((Get-Help $name).relatedLinks.navigationLink)[0]
            $link.linkText | Should -Be 'Online Version:'
            $link.uri | Should -Be "$($Manifest.PrivateData.PSData.ProjectUri)/blob/main/module/help/$name.md"
            Test-Path (Join-Path $RepoRoot "module/help/$name.md") | Should -BeTrue
        }
    }

    It 'says how to test scripts that use the module with Pester' {
        $about = Get-Help about_KnowledgeGraph | Out-String
        $about | Should -Match 'Pester'
        $about | Should -Match 'TestDrive:'
        $about | Should -Match 'Mock'
        $about | Should -Match 'KG_HOME'
    }

    It 'ships its release notes' {
        $Manifest.PrivateData.PSData.ReleaseNotes | Should -Match 'CHANGELOG.md'
        Test-Path (Join-Path (Split-Path $ModuleManifest) 'CHANGELOG.md') | Should -BeTrue
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'linux-x64'
        $Manifest.PrivateData.PSData.Tags | Should -Not -Contain 'Windows'
    }
}

Describe 'Tab completion of spellings, versions and labels' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Cid = (Invoke-KgTraining Q9001 -Environment sandbox).ClassifierId
        Invoke-KgTraining Q9001 -Environment sandbox | Out-Null
        Publish-KgClassifier Q9001 $Cid sandbox -Version v0 -AddClassifiersProfile primary | Out-Null
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
    }

    It 'completes every spelling of an environment, dev included' {
        (Complete 'Get-KgClassifier -Environment de').CompletionText | Should -Be 'dev'
        (Complete 'Get-KgEnvironment -Environment pro').CompletionText | Should -Be @('production', 'prod')
    }

    It 'completes the versions that exist' {
        (Complete "Publish-KgClassifier Q9001 $Cid sandbox -Version ").CompletionText | Should -Be @('v0', 'v1')
        (Complete "Publish-KgClassifier Q9001 $Cid staging -Version ") | Should -BeNullOrEmpty
    }

    It 'completes registry versions, promoted first' {
        (Complete 'Unpublish-KgClassifier Q9001 -Environment sandbox -RegistryVersion ').CompletionText | Should -Be 'v0'
    }

    It "completes a concept's label to its ID" {
        $m = Complete 'Get-KgClassifier flood'
        $m.CompletionText | Should -Be 'Q9001'
        $m.ListItemText | Should -Be 'Q9001 (flooding)'
    }
}

Describe '-Verbose and -Debug' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'says which store and where it came from' {
        $verbose = Get-KgClassifier -Environment sandbox -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        "$verbose" | Should -Match ([regex]::Escape("sandbox: store $(Join-Path $TestHome 'store/sandbox') (default (local))"))
    }

    It 'says which endpoint and profile an S3 store uses' -Skip:(-not $HasS3) {
        $kgHome = New-KgTestHome
        Use-TestS3Store | Out-Null
        $verbose = Get-KgClassifier -Environment sandbox -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        "$verbose" | Should -Match "endpoint $([regex]::Escape($S3Endpoint)), profile $S3Profile \(settings \(defaults\)\), credentials from profile '$S3Profile'"
    }

    It 'says which spec folder and why' {
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force
        Push-Location (New-Item -ItemType Directory (Join-Path $TestHome 'deep/inside') -Force)
        try {
            $verbose = Update-KgInferenceSpec sandbox -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        }
        finally { Pop-Location }
        "$verbose" | Should -Match ([regex]::Escape("Spec folder: $(Split-Path $specs) (the nearest classifier_specs at or above"))
    }

    It 'shows every store request with -Debug' {
        $DebugPreference = 'Continue'   # (-Debug asks before each message in a compiled cmdlet; this shows them)
        try { $debug = Get-KgClassifierHistory Q9001 -Environment sandbox 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } }
        finally { $DebugPreference = 'SilentlyContinue' }
        "$debug" | Should -Match 'LIST registry/Q9001/records/ -> 0 key\(s\)'
    }
}
