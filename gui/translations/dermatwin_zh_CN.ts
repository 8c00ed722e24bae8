<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;body site &lt;code&gt;%2&lt;/code&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;身体部位 &lt;code&gt;%2&lt;/code&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 %2 %3&lt;/b&gt; (%4)&lt;br&gt;%5&lt;br&gt;skin of site &lt;code&gt;%6&lt;/code&gt;</source>
        <translation>&lt;b&gt;%1 %2 %3&lt;/b&gt; (%4)&lt;br&gt;%5&lt;br&gt;皮肤取自部位 &lt;code&gt;%6&lt;/code&gt;</translation>
    </message>
    <message>
        <source>DermaTwin report</source>
        <translation>DermaTwin 报告</translation>
    </message>
    <message>
        <source>Study file: %1; DermaTwin %2; %3</source>
        <translation>研究文件：%1；DermaTwin %2；%3</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>%1 years, %2, %3 kg</source>
        <translation>%1 岁，%2，%3 kg</translation>
    </message>
    <message>
        <source>Drug</source>
        <translation>药物</translation>
    </message>
    <message>
        <source>Patches</source>
        <translation>贴剂</translation>
    </message>
    <message>
        <source>%1. %2 on %3, on at %4 h, off at %5 h, repeats %6</source>
        <translation>%1. %2 贴于 %3，%4 h 贴上，%5 h 揭下，共 %6 次</translation>
    </message>
    <message>
        <source>Cmax</source>
        <translation>Cmax</translation>
    </message>
    <message>
        <source>Tmax</source>
        <translation>Tmax</translation>
    </message>
    <message>
        <source>AUC(0-last)</source>
        <translation>AUC(0-last)</translation>
    </message>
    <message>
        <source>Half-life after removal</source>
        <translation>揭除后半衰期</translation>
    </message>
    <message>
        <source>Steady-state flux</source>
        <translation>稳态通量</translation>
    </message>
    <message>
        <source>Lag time</source>
        <translation>时滞</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已释放</translation>
    </message>
    <message>
        <source>Absorbed</source>
        <translation>已吸收</translation>
    </message>
    <message>
        <source>Mass balance error</source>
        <translation>质量守恒误差</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>文献来源</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>Unknown plot format &apos;%1&apos; (allowed: png, svg, pdf)</source>
        <translation>未知图像格式“%1”（可用：png、svg、pdf）</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Parameter row %1: &apos;%2&apos; is not a number</source>
        <translation>参数第 %1 行：“%2”不是数字</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::ApplicationsPanel</name>
    <message>
        <source>Products (drag one onto the body map):</source>
        <translation>产品（拖到人体图上）：</translation>
    </message>
    <message>
        <source>all drugs</source>
        <translation>所有药物</translation>
    </message>
    <message>
        <source>Remove selected patch</source>
        <translation>删除所选贴剂</translation>
    </message>
    <message>
        <source>Drag a patch on the map to move it; right-click it to remove it. An empty time cell means the default (product wear time, no repeats).</source>
        <translation>在人体图上拖动贴剂可移动；右键可删除。时间留空表示默认值（产品佩戴时间，不重复）。</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Product / patch</source>
        <translation>产品 / 贴剂</translation>
    </message>
    <message>
        <source>Site / acupoint</source>
        <translation>部位 / 穴位</translation>
    </message>
    <message>
        <source>Apply (h)</source>
        <translation>贴上 (h)</translation>
    </message>
    <message>
        <source>Remove (h)</source>
        <translation>揭下 (h)</translation>
    </message>
    <message>
        <source>Repeat every (h)</source>
        <translation>重复间隔 (h)</translation>
    </message>
    <message>
        <source>Repeats</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>custom patch</source>
        <translation>自定义贴剂</translation>
    </message>
    <message>
        <source>explicit skin</source>
        <translation>指定皮肤层</translation>
    </message>
    <message>
        <source>site %1</source>
        <translation>部位 %1</translation>
    </message>
    <message>
        <source>acupoint %1</source>
        <translation>穴位 %1</translation>
    </message>
    <message>
        <source>The study&apos;s drug is now %1 (the drug of %2).</source>
        <translation>研究药物已改为 %1（%2 的药物）。</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::BodyMapPanel</name>
    <message>
        <source>Front</source>
        <translation>正面</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>背面</translation>
    </message>
    <message>
        <source>All meridians</source>
        <translation>全部经脉</translation>
    </message>
    <message>
        <source>Search acupoint: code, pinyin or 汉字 (e.g. ST36, Zusanli, 足三里)</source>
        <translation>搜索穴位：代码、拼音或汉字（如 ST36、Zusanli、足三里）</translation>
    </message>
    <message>
        <source>%1 acupoints on this side. Drop a product from the palette on a site or acupoint; mouse wheel zooms.</source>
        <translation>此面显示 %1 个穴位。把产品从列表拖到部位或穴位上；滚轮可缩放。</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::BodyMapView</name>
    <message>
        <source>back</source>
        <translation>背面</translation>
    </message>
    <message>
        <source>front</source>
        <translation>正面</translation>
    </message>
    <message>
        <source>L</source>
        <translation>左</translation>
    </message>
    <message>
        <source>R</source>
        <translation>右</translation>
    </message>
    <message>
        <source>Patch %1: %2 on %3 (drag to move, right-click to remove)</source>
        <translation>贴剂 %1：%2 贴于 %3（拖动以移动，右键删除）</translation>
    </message>
    <message>
        <source>Remove patch %1</source>
        <translation>删除贴剂 %1</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::ColumnView</name>
    <message>
        <source>c (mg/mL)</source>
        <translation>c (mg/mL)</translation>
    </message>
    <message>
        <source>The skin under the chosen patch, coloured by concentration at the slider time (log scale, grey = none). Layers are not to scale: each is drawn at least %1 % of the column.</source>
        <translation>所选贴剂下的皮肤，按滑块时刻的浓度着色（对数刻度，灰色 = 无药）。各层未按比例绘制：每层至少占柱高的 %1 %。</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::DrugPanel</name>
    <message>
        <source>Drug</source>
        <translation>药物</translation>
    </message>
    <message>
        <source>Product label facts</source>
        <translation>产品说明书信息</translation>
    </message>
    <message>
        <source>Custom patch</source>
        <translation>自定义贴剂</translation>
    </message>
    <message>
        <source>Library drug</source>
        <translation>药物库中的药物</translation>
    </message>
    <message>
        <source>Custom drug (QSPR skin from molecular weight and log Kow)</source>
        <translation>自定义药物（由分子量和 log Kow 经 QSPR 估算皮肤参数）</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Molecular weight (g/mol)</source>
        <translation>分子量 (g/mol)</translation>
    </message>
    <message>
        <source>log Kow</source>
        <translation>log Kow</translation>
    </message>
    <message>
        <source>Clearance (L/h)</source>
        <translation>清除率 (L/h)</translation>
    </message>
    <message>
        <source>Volume V1 (L)</source>
        <translation>分布容积 V1 (L)</translation>
    </message>
    <message>
        <source>Use the custom drug (one-compartment PK, QSPR skin under every patch)</source>
        <translation>使用自定义药物（一室药动学模型，各贴剂下皮肤用 QSPR）</translation>
    </message>
    <message>
        <source>Area (cm²)</source>
        <translation>面积 (cm²)</translation>
    </message>
    <message>
        <source>Drug load (mg)</source>
        <translation>载药量 (mg)</translation>
    </message>
    <message>
        <source>Thickness (µm)</source>
        <translation>厚度 (µm)</translation>
    </message>
    <message>
        <source>Diffusivity in the matrix (cm²/s)</source>
        <translation>基质中扩散系数 (cm²/s)</translation>
    </message>
    <message>
        <source>Solubility in the matrix (mg/mL)</source>
        <translation>基质中溶解度 (mg/mL)</translation>
    </message>
    <message>
        <source>Use this patch for the selected application</source>
        <translation>将此贴剂用于所选应用</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>键</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Selected application: %1</source>
        <translation>所选应用：%1</translation>
    </message>
    <message>
        <source>QSPR (Potts-Guy, Kretsos): kp = %1 cm/h; stratum corneum K = %2, D = %3 cm²/s; viable skin K = %4, D = %5 cm²/s; dermal clearance %6 /h</source>
        <translation>QSPR（Potts-Guy、Kretsos）：kp = %1 cm/h；角质层 K = %2，D = %3 cm²/s；活性皮肤 K = %4，D = %5 cm²/s；真皮清除 %6 /h</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::FieldView</name>
    <message>
        <source>c (mg/mL)</source>
        <translation>c (mg/mL)</translation>
    </message>
    <message>
        <source>Concentration in the patch and skin at the slider time (log scale, grey = none). Depth is not to scale: each layer is drawn at least %1 % of the depth. Black: layer boundaries; orange: the patch.</source>
        <translation>滑块时刻贴剂和皮肤中的浓度（对数刻度，灰色 = 无药）。深度未按比例绘制：每层至少占深度的 %1 %。黑线：层界面；橙线：贴剂。</translation>
    </message>
    <message>
        <source>t = %1 h</source>
        <translation>t = %1 h</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>%1: a DataSet entry has no valid timestep or file</source>
        <translation>%1：某个 DataSet 条目缺少有效的时间步或文件</translation>
    </message>
    <message>
        <source>%1: not a PVD time series (%2)</source>
        <translation>%1：不是 PVD 时间序列（%2）</translation>
    </message>
    <message>
        <source>no DataSet</source>
        <translation>没有 DataSet</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::MainWindow</name>
    <message>
        <source>About DermaTwin</source>
        <translation>关于 DermaTwin</translation>
    </message>
    <message>
        <source>&lt;b&gt;DermaTwin&lt;/b&gt;: an open-source digital twin of transdermal drug delivery.&lt;br&gt;The desktop app edits the same study files as the &lt;code&gt;dermatwin&lt;/code&gt; command.</source>
        <translation>&lt;b&gt;DermaTwin&lt;/b&gt;：开源的经皮给药数字孪生。&lt;br&gt;桌面程序编辑的研究文件与 &lt;code&gt;dermatwin&lt;/code&gt; 命令行相同。</translation>
    </message>
    <message>
        <source>YAML: %1</source>
        <translation>YAML：%1</translation>
    </message>
    <message>
        <source>&amp;New study</source>
        <translation>新建研究(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Export plot (PNG, SVG, PDF)…</source>
        <translation>导出图表（PNG、SVG、PDF）…</translation>
    </message>
    <message>
        <source>Export results (CSV)…</source>
        <translation>导出结果（CSV）…</translation>
    </message>
    <message>
        <source>Export PDF report…</source>
        <translation>导出 PDF 报告…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Cancel run</source>
        <translation>取消运行(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Keep run for comparison…</source>
        <translation>保留本次运行以便比较(&amp;K)…</translation>
    </message>
    <message>
        <source>Virtual population…</source>
        <translation>虚拟人群…</translation>
    </message>
    <message>
        <source>Sensitivity analysis…</source>
        <translation>敏感性分析…</translation>
    </message>
    <message>
        <source>Dose optimization…</source>
        <translation>剂量优化…</translation>
    </message>
    <message>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <source>中文 (简体)</source>
        <translation>中文 (简体)</translation>
    </message>
    <message>
        <source>&amp;About DermaTwin</source>
        <translation>关于 DermaTwin(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;bundled study</source>
        <translation>打开示例研究(&amp;B)</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Studies</source>
        <translation>研究(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Drug &amp;&amp; patch</source>
        <translation>药物与贴剂</translation>
    </message>
    <message>
        <source>Applications</source>
        <translation>用药方案</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Field view</source>
        <translation>场视图</translation>
    </message>
    <message>
        <source>Study YAML</source>
        <translation>研究 YAML</translation>
    </message>
    <message>
        <source>Apply the edited YAML</source>
        <translation>应用编辑后的 YAML</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Live re-run</source>
        <translation>实时重算</translation>
    </message>
    <message>
        <source>Re-run a 1D study automatically after each change</source>
        <translation>每次修改后自动重新运行一维研究</translation>
    </message>
    <message>
        <source>%1%2 – DermaTwin</source>
        <translation>%1%2 – DermaTwin</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>%1 has unsaved changes. Save them?</source>
        <translation>%1 有未保存的修改。是否保存？</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Open study</source>
        <translation>打开研究</translation>
    </message>
    <message>
        <source>Study files (*.yaml *.yml)</source>
        <translation>研究文件 (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>Save study</source>
        <translation>保存研究</translation>
    </message>
    <message>
        <source>Study files (*.yaml)</source>
        <translation>研究文件 (*.yaml)</translation>
    </message>
    <message>
        <source>Export plot</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>Images (*.png *.svg *.pdf)</source>
        <translation>图像 (*.png *.svg *.pdf)</translation>
    </message>
    <message>
        <source>Run the study first.</source>
        <translation>请先运行研究。</translation>
    </message>
    <message>
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>正在运行…</translation>
    </message>
    <message>
        <source>Run cancelled</source>
        <translation>运行已取消</translation>
    </message>
    <message>
        <source>Run finished in %1 ms</source>
        <translation>运行完成，用时 %1 ms</translation>
    </message>
    <message>
        <source>Keep run</source>
        <translation>保留运行</translation>
    </message>
    <message>
        <source>Name for this curve:</source>
        <translation>曲线名称：</translation>
    </message>
    <message>
        <source>%1
(the field is marked)</source>
        <translation>%1
（已标出该输入项）</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Optimized regimen applied</source>
        <translation>已应用优化方案</translation>
    </message>
    <message>
        <source>Could not apply the regimen: %1</source>
        <translation>无法应用该方案：%1</translation>
    </message>
    <message>
        <source>Open field time series</source>
        <translation>打开场时间序列</translation>
    </message>
    <message>
        <source>ParaView data (*.pvd)</source>
        <translation>ParaView 数据 (*.pvd)</translation>
    </message>
    <message>
        <source>Open field time series (PVD)…</source>
        <translation>打开场时间序列（PVD）…</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::OptimizationDialog</name>
    <message>
        <source>Dose optimization</source>
        <translation>剂量优化</translation>
    </message>
    <message>
        <source> ng/mL</source>
        <translation> ng/mL</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source> h</source>
        <translation> h</translation>
    </message>
    <message>
        <source>vary</source>
        <translation>优化</translation>
    </message>
    <message>
        <source> cm²</source>
        <translation> cm²</translation>
    </message>
    <message>
        <source>Apply best regimen to the body map</source>
        <translation>将最佳方案应用到人体图</translation>
    </message>
    <message>
        <source>Best regimen applied to the study and the body map (reopen the file to go back).</source>
        <translation>最佳方案已应用到研究和人体图（重新打开文件可恢复原方案）。</translation>
    </message>
    <message>
        <source>Therapeutic window</source>
        <translation>治疗窗</translation>
    </message>
    <message>
        <source>Score from</source>
        <translation>评分起始时间</translation>
    </message>
    <message>
        <source>Cmax limit</source>
        <translation>Cmax 上限</translation>
    </message>
    <message>
        <source>Patch area</source>
        <translation>贴剂面积</translation>
    </message>
    <message>
        <source>Replace every</source>
        <translation>更换间隔</translation>
    </message>
    <message>
        <source>Sites and acupoints</source>
        <translation>部位与穴位</translation>
    </message>
    <message>
        <source>Evaluations per site</source>
        <translation>每个部位的评估次数</translation>
    </message>
    <message>
        <source>Done after %1 evaluations. Best: %2 — %3 % of the time in the window (label regimen: %4 %), Cmax %5 ng/mL.</source>
        <translation>完成，共评估 %1 次。最佳：%2 — %3 % 的时间处于治疗窗内（说明书方案：%4 %），Cmax %5 ng/mL。</translation>
    </message>
    <message>
        <source>site / acupoint</source>
        <translation>部位 / 穴位</translation>
    </message>
    <message>
        <source>product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>patches</source>
        <translation>贴数</translation>
    </message>
    <message>
        <source>area (cm²)</source>
        <translation>面积 (cm²)</translation>
    </message>
    <message>
        <source>replace every (h)</source>
        <translation>更换间隔 (h)</translation>
    </message>
    <message>
        <source>in window (%)</source>
        <translation>窗内时间 (%)</translation>
    </message>
    <message>
        <source>Cmax (ng/mL)</source>
        <translation>Cmax (ng/mL)</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>infeasible</source>
        <translation>不可行</translation>
    </message>
    <message>
        <source>therapeutic window</source>
        <translation>治疗窗</translation>
    </message>
    <message>
        <source>study regimen</source>
        <translation>研究方案</translation>
    </message>
    <message>
        <source>optimized regimen</source>
        <translation>优化方案</translation>
    </message>
    <message>
        <source>time (h)</source>
        <translation>时间 (h)</translation>
    </message>
    <message>
        <source>plasma (ng/mL)</source>
        <translation>血药浓度 (ng/mL)</translation>
    </message>
    <message>
        <source>Plasma concentration: study regimen vs optimum</source>
        <translation>血药浓度：研究方案与最优方案对比</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::PatientPanel</name>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Skin at the chosen site</source>
        <translation>所选部位的皮肤</translation>
    </message>
    <message>
        <source>Individual skin factors (1 = library)</source>
        <translation>个体皮肤系数（1 = 药物库值）</translation>
    </message>
    <message>
        <source>Age (years)</source>
        <translation>年龄（岁）</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Body weight (kg)</source>
        <translation>体重 (kg)</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Stratum corneum thickness</source>
        <translation>角质层厚度</translation>
    </message>
    <message>
        <source>Viable epidermis thickness</source>
        <translation>活性表皮厚度</translation>
    </message>
    <message>
        <source>Dermis thickness</source>
        <translation>真皮厚度</translation>
    </message>
    <message>
        <source>Perfusion</source>
        <translation>血流灌注</translation>
    </message>
    <message>
        <source>Stratum corneum permeability</source>
        <translation>角质层渗透性</translation>
    </message>
    <message>
        <source>A factor other than 1 overrides the library value; overridden values are marked in the table.</source>
        <translation>系数不为 1 时覆盖药物库值；被覆盖的数值在表中标出。</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>皮层</translation>
    </message>
    <message>
        <source>Thickness (µm)</source>
        <translation>厚度 (µm)</translation>
    </message>
    <message>
        <source>D (cm²/s)</source>
        <translation>D (cm²/s)</translation>
    </message>
    <message>
        <source>K (to water)</source>
        <translation>K（相对水）</translation>
    </message>
    <message>
        <source>Uptake (1/h)</source>
        <translation>吸收速率 (1/h)</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Acupoint &lt;b&gt;%1&lt;/b&gt;</source>
        <translation>穴位 &lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Site &lt;b&gt;%1&lt;/b&gt;</source>
        <translation>部位 &lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Franz-cell study: no patient.</source>
        <translation>Franz 扩散池研究：无患者。</translation>
    </message>
    <message>
        <source>overridden: x %1 (%2)</source>
        <translation>已覆盖：× %1（%2）</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;i&gt;Hover a value for where it comes from.&lt;/i&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;i&gt;鼠标悬停在数值上可查看来源。&lt;/i&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>The study has a problem, so the skin cannot be resolved:
%1</source>
        <translation>研究有错误，无法确定皮肤参数：
%1</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::PopulationDialog</name>
    <message>
        <source>Virtual population</source>
        <translation>虚拟人群</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>受试者数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Age 18-80 uniform, half female, log-normal skin and PK factors with the library&apos;s CVs.</source>
        <translation>年龄 18–80 岁均匀分布，女性占一半，皮肤与药动学系数按药物库变异系数取对数正态分布。</translation>
    </message>
    <message>
        <source>5-95 %</source>
        <translation>5–95 %</translation>
    </message>
    <message>
        <source>25-75 %</source>
        <translation>25–75 %</translation>
    </message>
    <message>
        <source>median</source>
        <translation>中位数</translation>
    </message>
    <message>
        <source>time (h)</source>
        <translation>时间 (h)</translation>
    </message>
    <message>
        <source>plasma (ng/mL)</source>
        <translation>血药浓度 (ng/mL)</translation>
    </message>
    <message>
        <source>Plasma concentration, %1 virtual subjects</source>
        <translation>血药浓度，%1 名虚拟受试者</translation>
    </message>
    <message>
        <source>Done: percentile bands over %1 subjects (the same numbers as `dermatwin population`).</source>
        <translation>完成：%1 名受试者的百分位带（与 `dermatwin population` 结果相同）。</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::ProductPalette</name>
    <message>
        <source>%1 (%2): drag onto a site or acupoint</source>
        <translation>%1（%2）：拖到部位或穴位上</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::ResultsPanel</name>
    <message>
        <source>Keep for comparison…</source>
        <translation>保留以便比较…</translation>
    </message>
    <message>
        <source>Clear kept runs</source>
        <translation>清除保留的运行</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Hover a curve to read its values.</source>
        <translation>鼠标悬停在曲线上可读取数值。</translation>
    </message>
    <message>
        <source>Plasma concentration (run a study)</source>
        <translation>血药浓度（请运行研究）</translation>
    </message>
    <message>
        <source>Input rate into blood</source>
        <translation>入血速率</translation>
    </message>
    <message>
        <source>Amounts</source>
        <translation>药量</translation>
    </message>
    <message>
        <source>Depth profile</source>
        <translation>深度分布</translation>
    </message>
    <message>
        <source>t = – h</source>
        <translation>t = – h</translation>
    </message>
    <message>
        <source>patch %1: %2</source>
        <translation>贴剂 %1：%2</translation>
    </message>
    <message>
        <source>%1: t = %2 h, %3 %4</source>
        <translation>%1：t = %2 h，%3 %4</translation>
    </message>
    <message>
        <source>Cumulative permeated</source>
        <translation>累计透过量</translation>
    </message>
    <message>
        <source>Plasma concentration</source>
        <translation>血药浓度</translation>
    </message>
    <message>
        <source>µg/cm²</source>
        <translation>µg/cm²</translation>
    </message>
    <message>
        <source>ng/mL</source>
        <translation>ng/mL</translation>
    </message>
    <message>
        <source>toxic</source>
        <translation>中毒</translation>
    </message>
    <message>
        <source>this run</source>
        <translation>本次运行</translation>
    </message>
    <message>
        <source>time (h)</source>
        <translation>时间 (h)</translation>
    </message>
    <message>
        <source>permeated (µg/cm²)</source>
        <translation>透过量 (µg/cm²)</translation>
    </message>
    <message>
        <source>plasma (ng/mL)</source>
        <translation>血药浓度 (ng/mL)</translation>
    </message>
    <message>
        <source>Flux out of the skin</source>
        <translation>皮肤流出通量</translation>
    </message>
    <message>
        <source>flux (µg/cm²/h)</source>
        <translation>通量 (µg/cm²/h)</translation>
    </message>
    <message>
        <source>input rate (µg/h)</source>
        <translation>入血速率 (µg/h)</translation>
    </message>
    <message>
        <source>µg/cm²/h</source>
        <translation>µg/cm²/h</translation>
    </message>
    <message>
        <source>µg/h</source>
        <translation>µg/h</translation>
    </message>
    <message>
        <source>in patch</source>
        <translation>贴剂中</translation>
    </message>
    <message>
        <source>in skin</source>
        <translation>皮肤中</translation>
    </message>
    <message>
        <source>absorbed</source>
        <translation>已吸收</translation>
    </message>
    <message>
        <source>µg</source>
        <translation>µg</translation>
    </message>
    <message>
        <source>amount (µg)</source>
        <translation>药量 (µg)</translation>
    </message>
    <message>
        <source>t = %1 h</source>
        <translation>t = %1 h</translation>
    </message>
    <message>
        <source>Depth profile at t = %1 h</source>
        <translation>t = %1 h 时的深度分布</translation>
    </message>
    <message>
        <source>depth %1 µm: %2 mg/mL</source>
        <translation>深度 %1 µm：%2 mg/mL</translation>
    </message>
    <message>
        <source>concentration (mg/mL)</source>
        <translation>浓度 (mg/mL)</translation>
    </message>
    <message>
        <source>Cmax</source>
        <translation>Cmax</translation>
    </message>
    <message>
        <source>Tmax</source>
        <translation>Tmax</translation>
    </message>
    <message>
        <source>h</source>
        <translation>h</translation>
    </message>
    <message>
        <source>AUC(0-last)</source>
        <translation>AUC(0-last)</translation>
    </message>
    <message>
        <source>ng·h/mL</source>
        <translation>ng·h/mL</translation>
    </message>
    <message>
        <source>Half-life after removal</source>
        <translation>揭除后半衰期</translation>
    </message>
    <message>
        <source>Steady-state flux</source>
        <translation>稳态通量</translation>
    </message>
    <message>
        <source>Lag time</source>
        <translation>时滞</translation>
    </message>
    <message>
        <source>Permeability kp</source>
        <translation>渗透系数 kp</translation>
    </message>
    <message>
        <source>cm/h</source>
        <translation>cm/h</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已释放</translation>
    </message>
    <message>
        <source>Total load</source>
        <translation>总载药量</translation>
    </message>
    <message>
        <source>Left in patches</source>
        <translation>贴剂中残留</translation>
    </message>
    <message>
        <source>In skin at end</source>
        <translation>结束时皮肤中</translation>
    </message>
    <message>
        <source>Absorbed</source>
        <translation>已吸收</translation>
    </message>
    <message>
        <source>Mass balance error</source>
        <translation>质量守恒误差</translation>
    </message>
    <message>
        <source>Solver</source>
        <translation>求解器</translation>
    </message>
    <message>
        <source>%1 DOFs, %2 steps, %3 ms</source>
        <translation>%1 个自由度，%2 步，%3 ms</translation>
    </message>
    <message>
        <source>therapeutic</source>
        <translation>治疗窗</translation>
    </message>
    <message>
        <source>depth (µm, not to scale)</source>
        <translation>深度（µm，未按比例）</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::SensitivityDialog</name>
    <message>
        <source>Sensitivity analysis</source>
        <translation>敏感性分析</translation>
    </message>
    <message>
        <source>Sobol&apos; indices (variance-based)</source>
        <translation>Sobol&apos; 指数（基于方差）</translation>
    </message>
    <message>
        <source>Morris screening (elementary effects)</source>
        <translation>Morris 筛选（基本效应）</translation>
    </message>
    <message>
        <source>Sobol&apos;: base samples N (runs = N (parameters + 2)); Morris: trajectories r</source>
        <translation>Sobol&apos;：基础样本数 N（运行次数 = N ×（参数数 + 2））；Morris：轨迹数 r</translation>
    </message>
    <message>
        <source>use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>study key</source>
        <translation>研究键</translation>
    </message>
    <message>
        <source>low</source>
        <translation>下限</translation>
    </message>
    <message>
        <source>high</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>log scale</source>
        <translation>对数尺度</translation>
    </message>
    <message>
        <source>Add parameter</source>
        <translation>添加参数</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出指标</translation>
    </message>
    <message>
        <source>Uncertain parameters (any study key; uniform, or log-uniform):</source>
        <translation>不确定参数（任意研究键；均匀或对数均匀分布）：</translation>
    </message>
    <message>
        <source>Show output</source>
        <translation>显示指标</translation>
    </message>
    <message>
        <source>Parameters from the study&apos;s sensitivity block.</source>
        <translation>参数取自研究文件中的敏感性分析块。</translation>
    </message>
    <message>
        <source>Default parameters: tick the ones to vary and edit their ranges.</source>
        <translation>默认参数：勾选要变化的参数并编辑其范围。</translation>
    </message>
    <message>
        <source>Done: %1 model runs in %2 s on %3 threads (the same numbers as `dermatwin sensitivity`).</source>
        <translation>完成：%1 次模型运行，用时 %2 s，%3 个线程（与 `dermatwin sensitivity` 结果相同）。</translation>
    </message>
    <message>
        <source>S1 (first order)</source>
        <translation>S1（一阶）</translation>
    </message>
    <message>
        <source>μ* (mean |effect|)</source>
        <translation>μ*（平均 |效应|）</translation>
    </message>
    <message>
        <source>ST (total)</source>
        <translation>ST（总效应）</translation>
    </message>
    <message>
        <source>σ (interactions, non-linearity)</source>
        <translation>σ（交互作用、非线性）</translation>
    </message>
    <message>
        <source>Sobol&apos; index</source>
        <translation>Sobol&apos; 指数</translation>
    </message>
    <message>
        <source>elementary effect</source>
        <translation>基本效应</translation>
    </message>
    <message>
        <source>Sensitivity of %1</source>
        <translation>%1 的敏感性</translation>
    </message>
    <message>
        <source>parameter</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>S1</source>
        <translation>S1</translation>
    </message>
    <message>
        <source>S1 95 % CI</source>
        <translation>S1 95 % 置信区间</translation>
    </message>
    <message>
        <source>ST</source>
        <translation>ST</translation>
    </message>
    <message>
        <source>ST 95 % CI</source>
        <translation>ST 95 % 置信区间</translation>
    </message>
    <message>
        <source>μ*</source>
        <translation>μ*</translation>
    </message>
    <message>
        <source>μ</source>
        <translation>μ</translation>
    </message>
    <message>
        <source>σ</source>
        <translation>σ</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::StudyDocument</name>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>%1 is not a study (expected a YAML mapping)</source>
        <translation>%1 不是研究文件（应为 YAML 映射）</translation>
    </message>
    <message>
        <source>%1: YAML error: %2</source>
        <translation>%1：YAML 错误：%2</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>expected a YAML mapping</source>
        <translation>应为 YAML 映射</translation>
    </message>
    <message>
        <source>untitled.yaml</source>
        <translation>未命名.yaml</translation>
    </message>
</context>
<context>
    <name>dermatwin::gui::StudyMethodDialog</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>正在运行…</translation>
    </message>
</context>
</TS>
