package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Skill is a skill at a level from 1 to 5; Name is a canonical name of the
// matching vocabulary.
type Skill struct {
	Name  string
	Level int
}

// Student is one synthetic student profile.
type Student struct {
	Number          string
	Name            string
	Email           string
	Phone           string
	College         string
	Major           string
	EnrolmentYear   int
	GraduationYear  int
	GPA             float64
	Skills          []Skill
	Courses         []string
	Certificates    []string
	Languages       []string
	PreferredCities []string
	Statement       string
	AvailableFrom   time.Time
	AvailableUntil  time.Time
	Consent         bool
}

// College is the college of the synthetic students.
const College = "Vanadium and Titanium College"

// majorProfile is a major with the skills, courses and certificates its
// students typically have.
type majorProfile struct {
	name         string
	skills       []string
	courses      []string
	certificates []string
}

var majors = []majorProfile{
	{"Metallurgical Engineering",
		[]string{"aluminium electrolysis", "alumina refining", "molten aluminium refining", "vanadium extraction", "titanium smelting",
			"extractive metallurgy", "pyrometallurgy", "hydrometallurgy", "furnace operation", "process control", "metallurgical thermodynamics", "raw material pretreatment"},
		[]string{"Principles of Metallurgy", "Metallurgical Thermodynamics", "Nonferrous Metallurgy", "Electrometallurgy", "Vanadium and Titanium Metallurgy", "Transport Phenomena"},
		[]string{"Metallurgical Process Operator (Level 3)", "Safety Production Certificate", "CET-4"}},
	{"Materials Science and Engineering",
		[]string{"materials testing", "metallography", "heat treatment", "aluminium alloys", "titanium alloys", "casting", "X-ray diffraction", "mechanical testing", "scanning electron microscopy"},
		[]string{"Materials Science Fundamentals", "Physical Metallurgy", "Materials Characterisation", "Heat Treatment Technology", "Light Alloys"},
		[]string{"Materials Testing Technician", "CET-6", "Lab Safety Certificate"}},
	{"Materials Forming and Control Engineering",
		[]string{"casting", "die casting", "continuous casting", "mould design", "molten aluminium refining", "quality inspection", "CAD drafting", "heat treatment"},
		[]string{"Casting Technology", "Metal Forming", "Mould Design", "Solidification Theory", "CAD/CAM"},
		[]string{"Foundry Technician (Level 4)", "AutoCAD Certificate", "CET-4"}},
	{"Mineral Processing Engineering",
		[]string{"mineral processing", "flotation", "magnetic separation", "grinding and classification", "raw material pretreatment", "ore analysis", "hydrometallurgy"},
		[]string{"Mineral Processing", "Flotation Theory", "Crushing and Grinding", "Process Mineralogy"},
		[]string{"Mineral Processing Operator", "Safety Production Certificate"}},
	{"Automation",
		[]string{"PLC programming", "process control", "DCS operation", "industrial instrumentation", "electrical maintenance", "data analysis", "Python programming", "SCADA"},
		[]string{"Automatic Control Theory", "PLC Technology", "Process Instrumentation", "Industrial Networks", "Computer Control Systems"},
		[]string{"Electrician Certificate", "Siemens PLC Certificate", "CET-4"}},
	{"Mechanical Engineering",
		[]string{"equipment maintenance", "CAD drafting", "mechanical design", "hydraulics", "welding", "lubrication management", "vibration analysis"},
		[]string{"Mechanical Design", "Engineering Drawing", "Hydraulics and Pneumatics", "Equipment Reliability"},
		[]string{"Welder Certificate", "AutoCAD Certificate"}},
	{"Safety Engineering",
		[]string{"safety management", "environmental protection", "hazard identification", "emergency response", "occupational health", "waste gas treatment"},
		[]string{"Safety System Engineering", "Industrial Ventilation", "Environmental Engineering", "Risk Assessment"},
		[]string{"Registered Safety Engineer (assistant)", "First Aid Certificate"}},
	{"Chemical Engineering",
		[]string{"hydrometallurgy", "chemical analysis", "process simulation", "alumina refining", "titanium dioxide production", "wastewater treatment", "data analysis"},
		[]string{"Chemical Engineering Principles", "Reaction Engineering", "Separation Processes", "Analytical Chemistry"},
		[]string{"Chemical Analyst (Level 4)", "CET-4"}},
}

var general = []string{"teamwork", "technical English", "data analysis", "report writing", "Python programming", "Excel"}

var cities = []string{"Panzhihua", "Chengdu", "Baotou", "Kunming", "Chongqing", "Xichang", "Guiyang", "Lanzhou", "Baise", "Zunyi"}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var given = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
	"刚", "桂英", "晓明", "志强", "海燕", "建华", "子涵", "浩然", "雨萱", "梓轩", "思远", "嘉怡", "一鸣", "欣怡", "宇航", "佳琪", "俊杰", "梦琪", "天佑", "诗涵"}

var enStatements = []string{
	"I want to work on %s in a modern smelter and learn how %s affects energy use per tonne.",
	"My course project on %s taught me to read process data carefully; I hope to apply %s on a real production line.",
	"I am interested in %s and %s, and I would like an internship where I can improve both under an experienced engineer.",
	"During my training at the college's lab I practised %s. I want to learn %s in a plant and stay in the industry after graduation.",
	"I enjoy solving problems on the shop floor. My strengths are %s and %s, and I am willing to work shifts.",
}

var zhStatements = []string{
	"我对%s很感兴趣，希望在电解铝企业实习，学习%s的实际操作。",
	"在校期间参与了%s相关的课程设计，希望到铸造车间锻炼%s的能力。",
	"我来自攀枝花，熟悉钒钛产业，希望把%s和%s的知识用在生产一线。",
	"我愿意在熔炼和精炼岗位上从基层做起，重点提升%s与%s水平，毕业后留在企业工作。",
}

// skillZh gives the Chinese names used in Chinese statements.
var skillZh = map[string]string{
	"aluminium electrolysis": "电解铝", "alumina refining": "氧化铝", "molten aluminium refining": "铝液精炼", "casting": "铸造",
	"vanadium extraction": "提钒", "titanium smelting": "钛冶炼", "process control": "过程控制", "PLC programming": "PLC编程",
	"materials testing": "材料检测", "heat treatment": "热处理", "mineral processing": "选矿", "flotation": "浮选",
	"safety management": "安全管理", "equipment maintenance": "设备维护", "continuous casting": "连铸", "furnace operation": "炉窑操作",
}

func zh(skill string) string {
	if z, ok := skillZh[skill]; ok {
		return z
	}
	return skill
}

// Generate returns the i-th synthetic student for a seed. It is pure: the
// same seed and i always give the same student, independently of other i,
// so that callers can stream any number. Numbers and e-mail addresses carry
// the seed and i, so they are unique for distinct (seed mod 100, i).
func Generate(seed uint64, i int) Student {
	r := rand.New(rand.NewPCG(seed, uint64(i)*0x9E3779B97F4A7C15+1))
	m := majors[r.IntN(len(majors))]
	enrol := 2021 + r.IntN(5)
	gpa := clamp(2.0+r.NormFloat64()*0.55+0.9, 1.2, 4.0)
	gpa = float64(int(gpa*100)) / 100
	n := 2 + r.IntN(5)
	skills := make([]Skill, 0, n+1)
	seen := map[string]bool{}
	for _, k := range r.Perm(len(m.skills))[:min(n, len(m.skills))] {
		s := m.skills[k]
		seen[s] = true
		skills = append(skills, Skill{Name: s, Level: 1 + r.IntN(5)})
	}
	if g := general[r.IntN(len(general))]; !seen[g] && r.IntN(2) == 0 {
		skills = append(skills, Skill{Name: g, Level: 2 + r.IntN(3)})
	}
	courses := pick(r, m.courses, 2+r.IntN(3))
	certs := pick(r, m.certificates, r.IntN(3))
	langs := []string{"Chinese"}
	if r.IntN(10) < 8 {
		langs = append(langs, "English")
	}
	prefs := pick(r, cities, 1+r.IntN(3))
	a, b := skills[0].Name, skills[len(skills)-1].Name
	var statement string
	if r.IntN(3) == 0 {
		statement = fmt.Sprintf(zhStatements[r.IntN(len(zhStatements))], zh(a), zh(b))
	} else {
		statement = fmt.Sprintf(enStatements[r.IntN(len(enStatements))], a, b)
	}
	from := time.Date(2026, time.Month(1+r.IntN(9)), 1, 0, 0, 0, 0, time.UTC)
	until := from.AddDate(0, 2+r.IntN(8), -1)
	name := string(surnames[r.IntN(len(surnames))]) + given[r.IntN(len(given))]
	number := fmt.Sprintf("S%d%02d%06d", enrol, seed%100, i)
	return Student{
		Number: number, Name: name, College: College, Major: m.name,
		EnrolmentYear: enrol, GraduationYear: enrol + 4, GPA: gpa, Skills: skills,
		Courses: courses, Certificates: certs, Languages: langs, PreferredCities: prefs, Statement: statement,
		AvailableFrom: from, AvailableUntil: until, Consent: r.IntN(10) < 8,
		Email: strings.ToLower(number) + "@students.example.edu.cn",
		Phone: fmt.Sprintf("+86 1%d%d %04d %04d", 3+r.IntN(6), r.IntN(10), r.IntN(10000), r.IntN(10000)),
	}
}

func pick(r *rand.Rand, from []string, n int) []string {
	n = min(n, len(from))
	out := make([]string, 0, n)
	for _, k := range r.Perm(len(from))[:n] {
		out = append(out, from[k])
	}
	return out
}

func clamp(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }
