//! The template editor's kinds, placeholders and previews.

use serde::Serialize;
use specta::Type;
use switchboard_core::templates::{Preview, TemplateView};

/// A placeholder a template may use.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PlaceholderInfo {
    pub name: String,
    pub about: String,
}

/// A kind's template.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KindTemplate {
    pub kind: String,
    pub label: String,
    pub group: String,
    /// The owner's template; `None` while the default wording is used.
    pub template: Option<String>,
    pub default_template: String,
    pub placeholders: Vec<PlaceholderInfo>,
}

impl From<TemplateView> for KindTemplate {
    fn from(t: TemplateView) -> Self {
        KindTemplate {
            kind: t.kind.as_str().to_owned(),
            label: t.label.to_owned(),
            group: t.group.to_owned(),
            template: t.template,
            default_template: t.default_template.to_owned(),
            placeholders: t
                .placeholders
                .into_iter()
                .map(|p| PlaceholderInfo {
                    name: p.name.to_owned(),
                    about: p.about.to_owned(),
                })
                .collect(),
        }
    }
}

/// A warning about a template.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TemplateWarning {
    /// The placeholder or text at fault.
    pub placeholder: String,
    pub message: String,
}

/// A draft rendered as the channel will read it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplatePreview {
    /// The notification text (mrkdwn).
    pub text: String,
    /// The Block Kit blocks as JSON.
    pub blocks_json: String,
    pub notes: Vec<String>,
    pub warnings: Vec<TemplateWarning>,
    /// The sender's id of the event it was rendered from; `None` for sample data.
    pub from_event: Option<String>,
    pub time_zone: String,
}

impl From<Preview> for TemplatePreview {
    fn from(p: Preview) -> Self {
        TemplatePreview {
            text: p.text,
            blocks_json: serde_json::to_string(&p.blocks).unwrap_or_else(|_| "[]".into()),
            notes: p.notes,
            warnings: p
                .warnings
                .into_iter()
                .map(|w| TemplateWarning {
                    placeholder: w.placeholder,
                    message: w.message,
                })
                .collect(),
            from_event: p.from_event,
            time_zone: p.time_zone,
        }
    }
}
