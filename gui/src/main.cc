// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin-gui: the desktop app. Options:
//   dermatwin-gui [STUDY.yaml] [--lang zh_CN]
//   dermatwin-gui --study STUDY.yaml --screenshot FILE.png [--tab results_tab] [--lang zh_CN]
//     (renders the window with the study's results to FILE.png and exits)
#include "main_window.h"
#include "run_controller.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QSurfaceFormat>
#include <QTimer>

#include <QVTKOpenGLNativeWidget.h>

using dermatwin::gui::MainWindow;

int main(int argc, char **argv)
{
  // The VTK widget needs its OpenGL format before the application exists.
  QSurfaceFormat::setDefaultFormat(QVTKOpenGLNativeWidget::defaultFormat());
  QApplication app(argc, argv);
  QApplication::setOrganizationName("DermaTwin");
  QApplication::setApplicationName("dermatwin-gui");

  QCommandLineParser parser;
  parser.setApplicationDescription("DermaTwin desktop app");
  parser.addHelpOption();
  parser.addPositionalArgument("study", "study file to open");
  parser.addOption({"study", "study file to open", "file"});
  parser.addOption({"screenshot", "render the window with results to a PNG and exit", "file"});
  parser.addOption({"tab", "tab to show (patient_tab, results_tab, field_tab, ...)", "name"});
  parser.addOption({"lang", "language: en or zh_CN", "language"});
  parser.process(app);

  MainWindow window;
  const QString language = parser.isSet("lang") ? parser.value("lang") : QSettings().value("language", "en").toString();
  if (language != "en")
    window.switch_language(language);
  QString study = parser.value("study");
  if (study.isEmpty() && !parser.positionalArguments().isEmpty())
    study = parser.positionalArguments().first();
  window.show();
  if (!study.isEmpty())
    window.open_study(study);
  else
    window.run_now();

  if (parser.isSet("screenshot"))
    {
      const QString file = parser.value("screenshot");
      window.set_prompts(false);
      window.show_tab(parser.isSet("tab") ? parser.value("tab") : "results_tab");
      QObject::connect(&window.runner(), &dermatwin::gui::RunController::finished, &window,
                       [&window, file](const dermatwin::gui::RunOutcome &) {
                         QTimer::singleShot(500, &window, [&window, file] {
                           window.grab().save(file);
                           QApplication::quit();
                         });
                       });
    }
  return app.exec();
}
